import type { UIMessageChunk } from 'ai';
import type { TerminalStatus } from '../registry/stream-registry.ts';

/**
 * The chunks the closing party appends so every terminal state looks right to `useChat`:
 * a failure ends with one `error` chunk (the masked text), a stop with one `abort` chunk (a stop,
 * not an error), a completion with a `finish`. Nothing is added that the log already has.
 *
 * Given the turn's `assistantMessageId`, a log without a `start` (the turn ended before a model
 * ran: stopped while queued, never queued) gets one first, so a live client holds the answer
 * under the id it is stored under — and a Retry of it names a message the server knows.
 */
export function trailingChunks(
  status: TerminalStatus,
  log: readonly UIMessageChunk[],
  publicErrorText: string,
  assistantMessageId?: string,
): UIMessageChunk[] {
  const has = (type: UIMessageChunk['type']) => log.some((chunk) => chunk.type === type);
  const opening: UIMessageChunk[] =
    assistantMessageId === undefined || has('start')
      ? []
      : [{ type: 'start', messageId: assistantMessageId }];
  switch (status) {
    case 'failed':
      return has('error') ? [] : [...opening, { type: 'error', errorText: publicErrorText }];
    case 'cancelled':
      return has('abort') ? [] : [...opening, { type: 'abort', reason: 'stopped by the user' }];
    case 'completed':
      return has('finish') ? [] : [...opening, { type: 'finish' }];
  }
}
