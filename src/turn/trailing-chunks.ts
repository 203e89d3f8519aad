import type { UIMessageChunk } from 'ai';
import type { TerminalStatus } from '../registry/stream-registry.ts';

/**
 * The chunks the closing party appends so every terminal state looks right to `useChat`:
 * a failure ends with one `error` chunk (the masked text), a stop with one `abort` chunk (a stop,
 * not an error), a completion with a `finish`. Nothing is added that the log already has.
 */
export function trailingChunks(
  status: TerminalStatus,
  log: readonly UIMessageChunk[],
  publicErrorText: string,
): UIMessageChunk[] {
  const has = (type: UIMessageChunk['type']) => log.some((chunk) => chunk.type === type);
  switch (status) {
    case 'failed':
      return has('error') ? [] : [{ type: 'error', errorText: publicErrorText }];
    case 'cancelled':
      return has('abort') ? [] : [{ type: 'abort', reason: 'stopped by the user' }];
    case 'completed':
      return has('finish') ? [] : [{ type: 'finish' }];
  }
}
