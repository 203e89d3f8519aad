import type { Redis } from 'ioredis';
import {
  CursorOutOfRangeError,
  isTerminal,
  type PositionedChunk,
  type ReadEvent,
  TurnNotFoundError,
  type TurnRecord,
} from '../stream-registry.ts';
import type { RedisKeys } from './redis-keys.ts';
import { chunkEntryId, compareStreamIds } from './stream-ids.ts';
import type { StreamReadingHub } from './stream-reading-hub.ts';
import { decodeStreamEntry, decodeTurnRecord, type TurnStreamEntry } from './turn-record-codec.ts';

export interface ReadTurnContext {
  command: Redis;
  keys: RedisKeys;
  hub: StreamReadingHub;
  /** Entries per XRANGE page of the replay. */
  pageSize: number;
  assertOpen: () => void;
}

/**
 * One reader of one turn: the replay with XRANGE on the shared command connection, then live
 * entries from the hub. The reader remembers the last entry id it delivered and hands exactly that
 * id to the hub, which sends only later entries (a bridge XRANGE covers what the hub had already
 * passed), so nothing falls between replay and live and nothing comes twice.
 *
 * Positions are checked as they arrive: a missing position (trimmed, expired) ends the read with
 * CursorOutOfRangeError instead of skipping it.
 */
export async function* readTurn(
  context: ReadTurnContext,
  turnId: string,
  after: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<ReadEvent> {
  if (signal?.aborted) return;
  context.assertOpen();
  const { command, keys, hub } = context;
  const turn = decodeTurnRecord(turnId, await command.hgetall(keys.turnMeta(turnId)));
  if (!turn) throw new TurnNotFoundError(turnId);
  if (!Number.isInteger(after) || after < 0 || after > turn.lastPosition) {
    throw new CursorOutOfRangeError(turnId, after);
  }
  const streamKey = keys.turnStream(turnId);
  let delivered = after;
  let lastId = chunkEntryId(after);

  /** Checks an entry against the position expected next; true when it is the terminal one. */
  const accept = (entry: TurnStreamEntry): boolean => {
    const isEnd = entry.event.type === 'end';
    if (entry.position !== (isEnd ? delivered : delivered + 1)) {
      throw new CursorOutOfRangeError(turnId, delivered);
    }
    if (!isEnd) delivered = entry.position;
    lastId = entry.id;
    return isEnd;
  };

  for (;;) {
    const page = await xrangeAfter(command, streamKey, lastId, '+', context.pageSize);
    for (const entry of page) {
      if (signal?.aborted) return;
      const isEnd = accept(entry);
      yield entry.event;
      if (isEnd) return;
    }
    if (page.length < context.pageSize) break;
  }
  // The hash said these positions exist; the stream no longer has them (trimmed or expired).
  if (delivered < turn.lastPosition) throw new CursorOutOfRangeError(turnId, delivered);
  if (isTerminal(turn.status)) {
    // Finished, yet its stream is gone: the hash still knows how it ended.
    if (signal?.aborted) return;
    yield { type: 'end', status: turn.status, error: turn.error };
    return;
  }

  context.assertOpen();
  const subscription = hub.subscribe(turnId, streamKey, lastId);
  try {
    if (subscription.bridgeUntil !== null) {
      for (const entry of await xrangeAfter(command, streamKey, lastId, subscription.bridgeUntil)) {
        if (signal?.aborted) return;
        const isEnd = accept(entry);
        yield entry.event;
        if (isEnd) return;
      }
    }
    for (;;) {
      const entry = await subscription.next(signal);
      if (entry === null) return;
      if (compareStreamIds(entry.id, lastId) <= 0) continue;
      const isEnd = accept(entry);
      yield entry.event;
      if (isEnd) return;
    }
  } finally {
    subscription.unsubscribe();
  }
}

/**
 * Every chunk of a turn whose hash is `turn`, in order; CursorOutOfRangeError when positions are
 * missing (trimmed or expired), since a log with a hole must not be folded into a message.
 */
export async function readWholeLog(
  context: ReadTurnContext,
  turn: TurnRecord,
): Promise<PositionedChunk[]> {
  const streamKey = context.keys.turnStream(turn.turnId);
  const chunks: PositionedChunk[] = [];
  let lastId = chunkEntryId(0);
  for (;;) {
    const page = await xrangeAfter(context.command, streamKey, lastId, '+', context.pageSize);
    for (const { id, event } of page) {
      lastId = id;
      if (event.type === 'end') continue;
      if (event.position !== chunks.length + 1) {
        throw new CursorOutOfRangeError(turn.turnId, chunks.length);
      }
      chunks.push({ position: event.position, chunk: event.chunk });
    }
    if (page.length < context.pageSize) break;
  }
  if (chunks.length < turn.lastPosition)
    throw new CursorOutOfRangeError(turn.turnId, chunks.length);
  return chunks;
}

/** Entries strictly after `afterId` up to `end` (inclusive), at most `count` when given. */
async function xrangeAfter(
  command: Redis,
  streamKey: string,
  afterId: string,
  end: string,
  count?: number,
): Promise<TurnStreamEntry[]> {
  const raw =
    count === undefined
      ? await command.xrange(streamKey, `(${afterId}`, end)
      : await command.xrange(streamKey, `(${afterId}`, end, 'COUNT', count);
  return raw.map(([id, fields]) => decodeStreamEntry(id, fields));
}
