import type { Cluster, Redis } from 'ioredis';
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
import { decodeStreamEntry, type TurnStreamEntry } from './turn-record-codec.ts';

export interface ReadTurnContext {
  command: Redis | Cluster;
  keys: RedisKeys;
  /** The hub that reads this turn's stream live. */
  hubFor(turnId: string): StreamReadingHub;
  getTurn(turnId: string): Promise<TurnRecord | null>;
  /** Entries per XRANGE page of the replay. */
  pageSize: number;
  assertOpen: () => void;
}

/**
 * One reader of one turn: the replay with XRANGE on the shared command connection, then live
 * entries from the hub. The reader remembers the last entry id it has seen and hands exactly that
 * id to the hub, which sends only later entries (a bridge XRANGE covers what the hub had already
 * passed), so nothing falls between replay and live; positions already delivered are skipped, so
 * nothing comes twice (an entry holds several chunks, and a cursor may fall inside one).
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
  const { command, keys } = context;
  if (!Number.isInteger(after) || after < 0) throw new CursorOutOfRangeError(turnId, after);
  const streamKey = keys.turnStream(turnId);
  // A read from the start (every answer's own stream) needs no look at the turn's state when its
  // stream is there: the opening marker proves the turn, and the log says the rest.
  let turn: TurnRecord | null = null;
  let firstPage: TurnStreamEntry[] | null = null;
  if (after === 0) {
    firstPage = await xrangeAfter(command, streamKey, '0-0', '+', context.pageSize);
  }
  if (firstPage === null || firstPage.length === 0) {
    turn = await context.getTurn(turnId);
    if (!turn) throw new TurnNotFoundError(turnId);
    if (after > turn.lastPosition) throw new CursorOutOfRangeError(turnId, after);
  }
  let delivered = after;
  let lastId = after === 0 ? '0-0' : chunkEntryId(after);
  /** The entry's events this reader has not had yet; CursorOutOfRangeError at a gap. */
  function* fresh(entry: TurnStreamEntry): Generator<ReadEvent> {
    lastId = entry.id;
    for (const { position, event } of entry.events) {
      if (event.type === 'end') {
        if (position !== delivered) throw new CursorOutOfRangeError(turnId, delivered);
        yield event;
        return;
      }
      if (position <= delivered) continue;
      if (position !== delivered + 1) throw new CursorOutOfRangeError(turnId, delivered);
      delivered = position;
      yield event;
    }
  }
  for (;;) {
    const page =
      firstPage ?? (await xrangeAfter(command, streamKey, lastId, '+', context.pageSize));
    firstPage = null;
    for (const entry of page) {
      for (const event of fresh(entry)) {
        if (signal?.aborted) return;
        yield event;
        if (event.type === 'end') return;
      }
    }
    if (page.length < context.pageSize) break;
  }
  if (!turn) {
    // The stream was there when the read began: the turn is running (or closing) and the hub
    // brings the rest, the terminal entry included.
  } else if (delivered < turn.lastPosition) {
    // The turn said these positions exist; the stream no longer has them (trimmed or expired).
    throw new CursorOutOfRangeError(turnId, delivered);
  } else if (isTerminal(turn.status)) {
    // Finished, yet its stream is gone: the hash still knows how it ended.
    if (signal?.aborted) return;
    yield { type: 'end', status: turn.status, error: turn.error };
    return;
  }
  context.assertOpen();
  const subscription = context.hubFor(turnId).subscribe(turnId, streamKey, lastId);
  try {
    if (subscription.bridgeUntil !== null) {
      for (const entry of await xrangeAfter(command, streamKey, lastId, subscription.bridgeUntil)) {
        for (const event of fresh(entry)) {
          if (signal?.aborted) return;
          yield event;
          if (event.type === 'end') return;
        }
      }
    }
    for (;;) {
      const entry = await subscription.next(signal);
      if (entry === null) return;
      if (compareStreamIds(entry.id, lastId) <= 0) continue;
      for (const event of fresh(entry)) {
        if (signal?.aborted) return;
        yield event;
        if (event.type === 'end') return;
      }
    }
  } finally {
    subscription.unsubscribe();
  }
}

/**
 * Every chunk of a turn, in order; TurnNotFoundError for a turn without a stream or state, and
 * CursorOutOfRangeError when positions are missing (trimmed or expired), since a log with a hole
 * must not be folded into a message.
 */
export async function readWholeLog(
  context: ReadTurnContext,
  turnId: string,
): Promise<PositionedChunk[]> {
  const streamKey = context.keys.turnStream(turnId);
  const chunks: PositionedChunk[] = [];
  let lastId = '0-0';
  let entries = 0;
  for (;;) {
    const page = await xrangeAfter(context.command, streamKey, lastId, '+', context.pageSize);
    entries += page.length;
    for (const { id, events } of page) {
      lastId = id;
      for (const { position, event } of events) {
        if (event.type === 'end') continue;
        if (position !== chunks.length + 1) {
          throw new CursorOutOfRangeError(turnId, chunks.length);
        }
        chunks.push({ position, chunk: event.chunk });
      }
    }
    if (page.length < context.pageSize) break;
  }
  if (entries === 0) {
    // No stream: the turn is unknown, or its stream expired (or was never made) before its state.
    const turn = await context.getTurn(turnId);
    if (!turn) throw new TurnNotFoundError(turnId);
    if (turn.lastPosition > 0) throw new CursorOutOfRangeError(turnId, 0);
  }
  return chunks;
}

/** Entries strictly after `afterId` up to `end` (inclusive), at most `count` when given. */
async function xrangeAfter(
  command: Redis | Cluster,
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
