import assert from 'node:assert/strict';
import type { UIMessageChunk } from 'ai';
import { isValidChunk } from '../../src/protocol/chunk-validation.ts';

export interface SseEvent {
  /** The `id:` field, or undefined when the event has none. */
  id: string | undefined;
  data: string;
}

/** Splits an SSE body into its events (comments such as heartbeats are counted, not returned). */
export function parseSseEvents(text: string): { events: SseEvent[]; comments: number } {
  const events: SseEvent[] = [];
  let comments = 0;
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments += 1;
      else if (line.startsWith('id:')) id = line.slice(3).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      else assert.fail(`unexpected SSE line ${JSON.stringify(line)}`);
    }
    if (data.length > 0) events.push({ id, data: data.join('\n') });
  }
  return { events, comments };
}

export interface TurnStream {
  turnId: string;
  /** Positions from the `id:` lines, in delivery order. */
  positions: number[];
  chunks: UIMessageChunk[];
  /** The data events as sent, `[DONE]` excluded, to compare two readers byte for byte. */
  events: SseEvent[];
  heartbeats: number;
}

/**
 * Reads a turn stream to its end and checks the wire contract: AI SDK stream headers, an
 * `id: <turnId>:<position>` on every data event with positions `after+1 … after+n` without gaps,
 * every payload valid against `uiMessageChunkSchema`, `data: [DONE]` last, and the turn named in
 * the `x-durable-chat-turn-id` header.
 */
export async function readTurnStream(response: Response, after = 0): Promise<TurnStream> {
  assert.equal(response.status, 200, 'a turn stream answers 200');
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(response.headers.get('x-vercel-ai-ui-message-stream'), 'v1');
  const { events, comments } = parseSseEvents(await response.text());
  const done = events.at(-1);
  assert.deepEqual(done, { id: undefined, data: '[DONE]' }, 'the stream ends with data: [DONE]');
  const dataEvents = events.slice(0, -1);
  let turnId: string | undefined;
  const positions: number[] = [];
  const chunks: UIMessageChunk[] = [];
  for (const event of dataEvents) {
    const match = /^([A-Za-z0-9_-]+):(\d+)$/.exec(event.id ?? '');
    assert.ok(match?.[1] && match[2], `data event without a turn:position id: ${event.data}`);
    turnId ??= match[1];
    assert.equal(match[1], turnId, 'every event of one stream names the same turn');
    positions.push(Number(match[2]));
    const chunk: unknown = JSON.parse(event.data);
    assert.ok(await isValidChunk(chunk), `invalid chunk on the wire: ${event.data}`);
    chunks.push(chunk as UIMessageChunk);
  }
  assert.ok(turnId, 'the stream carried at least one chunk');
  assert.equal(
    response.headers.get('x-durable-chat-turn-id'),
    turnId,
    'the response names the turn it serves before any chunk',
  );
  assert.deepEqual(
    positions,
    positions.map((_, index) => after + index + 1),
    'positions are consecutive and start right after the cursor',
  );
  return { turnId, positions, chunks, events: dataEvents, heartbeats: comments };
}

/** The answer text carried by the `text-delta` chunks. */
export function answerText(chunks: readonly UIMessageChunk[]): string {
  return chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.delta : '')).join('');
}

/** Words in an answer; the demo model answers `[demo:words=N]` with exactly N of them. */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}
