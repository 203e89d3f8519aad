import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** Give up after this long; defaults to 5 000 ms. */
  timeoutMs?: number;
  /** Pause between polls; defaults to 5 ms. */
  intervalMs?: number;
  /** Said in the timeout error, to tell which wait failed. */
  message?: string;
}

/**
 * Polls until `predicate` holds, so tests of asynchronous adapters (a broker, a server) wait for an
 * outcome instead of sleeping a guessed amount. Rejects when the timeout passes first.
 */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const { timeoutMs = 5_000, intervalMs = 5, message } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() >= deadline) {
      throw new Error(`waitFor timed out after ${timeoutMs} ms${message ? `: ${message}` : ''}`);
    }
    await sleep(intervalMs);
  }
}
