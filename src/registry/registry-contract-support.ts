import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type TestOptions, test } from 'node:test';
import { setImmediate as nextMacrotask, setTimeout as sleep } from 'node:timers/promises';
import type { UIMessageChunk } from 'ai';
import type {
  OpenTurnInput,
  ReadEvent,
  StreamRegistry,
  TerminalStatus,
  TurnRecord,
} from './stream-registry.ts';

/** Builds a fresh, isolated registry; `cleanup` must also work after `registry.close()`. */
export type StreamRegistryFactory = () => Promise<{
  registry: StreamRegistry;
  cleanup: () => Promise<void>;
}>;

export interface StreamRegistryContractOptions {
  /**
   * The TTL the factory gives finished turns. Long enough for a test to read a turn it has just
   * finished (≥ 300 ms), short enough to wait for. The expiry tests are skipped without it.
   */
  finishedTurnTtlMs: number;
}

/** A contract test that fails after a bound instead of hanging when an adapter never wakes a reader. */
export function contractTest(
  name: string,
  body: () => Promise<void>,
  options: TestOptions = {},
): void {
  test(name, { timeout: 20_000, ...options }, body);
}

export async function withRegistry<T>(
  create: StreamRegistryFactory,
  body: (registry: StreamRegistry) => Promise<T>,
): Promise<T> {
  const { registry, cleanup } = await create();
  try {
    return await body(registry);
  } finally {
    await cleanup();
  }
}

/** Unique ids everywhere, so adapters sharing a server (key prefixes, queues) never collide. */
export function newTurnInput(overrides: Partial<OpenTurnInput> = {}): OpenTurnInput {
  const id = randomUUID();
  return {
    turnId: `turn-${id}`,
    sessionId: `session-${id}`,
    userId: `user-${id}`,
    userMessageId: `user-message-${id}`,
    assistantMessageId: `assistant-message-${id}`,
    ...overrides,
  };
}

export async function openTurn(
  registry: StreamRegistry,
  overrides: Partial<OpenTurnInput> = {},
): Promise<TurnRecord> {
  const result = await registry.openTurn(newTurnInput(overrides));
  assert.ok(result.opened, 'a session without an active turn accepts a new one');
  return result.turn;
}

export async function endTurn(
  registry: StreamRegistry,
  turnId: string,
  status: TerminalStatus = 'completed',
  trailing: readonly UIMessageChunk[] = [{ type: 'finish', finishReason: 'stop' }],
  error: string | null = null,
): Promise<void> {
  assert.equal(await registry.claimClose(turnId, status, error), true, 'claimClose is won');
  await registry.publishClose(turnId, trailing);
}

export async function collect(events: AsyncIterable<ReadEvent>): Promise<ReadEvent[]> {
  const received: ReadEvent[] = [];
  for await (const event of events) received.push(event);
  return received;
}

/** What a reader after `after` must see of a finished turn whose whole log is `log`. */
export function expectedEvents(
  log: readonly UIMessageChunk[],
  after: number,
  status: TerminalStatus,
  error: string | null = null,
): ReadEvent[] {
  const chunks = log
    .slice(after)
    .map((chunk, index): ReadEvent => ({ type: 'chunk', position: after + index + 1, chunk }));
  return [...chunks, { type: 'end', status, error }];
}

export function textDeltas(count: number, id = 'text-1'): UIMessageChunk[] {
  return Array.from({ length: count }, (_, index) => ({
    type: 'text-delta',
    id,
    delta: `${id} delta ${index + 1} `,
  }));
}

/** A small deterministic generator (mulberry32), so a failing random case can be replayed. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function randomInteger(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Nothing, a microtask, a macrotask or a short timer: varies how concurrent calls interleave. */
export async function randomPause(random: () => number = Math.random, maxMs = 2): Promise<void> {
  const choice = random();
  if (choice < 0.25) return;
  if (choice < 0.5) await Promise.resolve();
  else if (choice < 0.75) await nextMacrotask();
  else await sleep(random() * maxMs);
}
