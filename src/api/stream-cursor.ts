import { parseEventId } from '../protocol/event-id.ts';
import type { TurnRecord } from '../registry/stream-registry.ts';
import { ApiError } from './api-error.ts';

/**
 * Where a re-attaching reader starts: after the position in `Last-Event-ID` (or `?after=`), or
 * from the first chunk when neither is given. A position outside the active turn is a 409, so a
 * client never silently misses or repeats chunks.
 */
export function resolveCursor(
  turn: TurnRecord,
  lastEventId: string | undefined,
  afterQuery: string | undefined,
): number {
  const raw = lastEventId?.trim() || afterQuery?.trim();
  if (!raw) return 0;
  const parsed = parseEventId(raw);
  if (!parsed) throw new ApiError('INVALID_CURSOR');
  if (parsed.turnId !== null && parsed.turnId !== turn.turnId) {
    throw new ApiError(
      'CURSOR_OUT_OF_RANGE',
      'That event id belongs to another turn; reload the session.',
    );
  }
  if (parsed.position > turn.lastPosition) throw new ApiError('CURSOR_OUT_OF_RANGE');
  return parsed.position;
}
