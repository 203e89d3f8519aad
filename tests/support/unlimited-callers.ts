/**
 * Turns the per-caller limits off: tests and benchmarks play many users from one loopback
 * address. A test of the limits sets them itself (its environment comes after this).
 */
export const unlimitedCallers: Record<string, string> = {
  SESSION_CREATE_BURST: '0',
  MAX_STREAMS_PER_CALLER: '0',
  MAX_RUNNING_TURNS_PER_USER: '0',
  MAX_QUEUED_MESSAGES_PER_USER: '0',
};
