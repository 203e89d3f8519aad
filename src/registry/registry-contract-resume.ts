import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { UIMessageChunk } from 'ai';
import { randomTurnChunks } from './registry-contract-chunks.ts';
import {
  collect,
  contractTest,
  createRandom,
  expectedEvents,
  openTurn,
  randomInteger,
  randomPause,
  type StreamRegistryFactory,
  withRegistry,
} from './registry-contract-support.ts';
import type { ReadEvent, StreamRegistry, TerminalStatus } from './stream-registry.ts';

const statuses: TerminalStatus[] = ['completed', 'failed', 'cancelled'];

interface PlannedTurn {
  log: UIMessageChunk[];
  /** How many of the last chunks go through publishClose instead of append. */
  trailingCount: number;
  status: TerminalStatus;
  error: string | null;
}

function planTurn(random: () => number, messageId: string): PlannedTurn {
  const log = randomTurnChunks(random, messageId);
  const status = statuses[randomInteger(random, 0, statuses.length - 1)] ?? 'completed';
  return {
    log,
    trailingCount: randomInteger(random, 0, 2),
    status,
    error: status === 'failed' ? 'model connection lost' : null,
  };
}

/** Writes a turn in random batches; `afterEachBatch` sees the last position written so far. */
async function writeTurn(
  registry: StreamRegistry,
  turnId: string,
  plan: PlannedTurn,
  random: () => number,
  afterEachBatch: (written: number) => void,
): Promise<void> {
  const bodyLength = plan.log.length - plan.trailingCount;
  let written = 0;
  while (written < bodyLength) {
    const batch = plan.log.slice(
      written,
      Math.min(bodyLength, written + randomInteger(random, 1, 4)),
    );
    written += batch.length;
    assert.equal(await registry.append(turnId, batch), written);
    afterEachBatch(written);
    await randomPause(random);
  }
  assert.equal(await registry.claimClose(turnId, plan.status, plan.error), true);
  await registry.publishClose(turnId, plan.log.slice(bodyLength));
}

/** A client that drops its connection at random and reconnects after the last position it got. */
async function readWithReconnects(
  registry: StreamRegistry,
  turnId: string,
  random: () => number,
): Promise<{ events: ReadEvent[]; reconnects: number }> {
  const events: ReadEvent[] = [];
  let after = 0;
  let reconnects = -1;
  while (events.at(-1)?.type !== 'end') {
    reconnects += 1;
    const connection = new AbortController();
    for await (const event of registry.read(turnId, { after, signal: connection.signal })) {
      events.push(event);
      if (event.type === 'chunk') after = event.position;
      if (random() < 0.15) connection.abort();
    }
  }
  return { events, reconnects };
}

export function describeExactResume(create: StreamRegistryFactory): void {
  describe('exact resume', () => {
    contractTest(
      'reading after any of hundreds of cut points yields exactly the rest of the turn',
      () =>
        withRegistry(create, async (registry) => {
          const seed = randomInteger(Math.random, 1, 2 ** 31);
          const random = createRandom(seed);
          let cuts = 0;
          for (let turnIndex = 0; turnIndex < 8; turnIndex += 1) {
            const turn = await openTurn(registry);
            const plan = planTurn(random, turn.assistantMessageId);
            const live: { after: number; done: Promise<ReadEvent[]> }[] = [];
            await writeTurn(registry, turn.turnId, plan, random, (written) => {
              while (random() < 0.5) {
                const after = randomInteger(random, 0, written);
                live.push({ after, done: collect(registry.read(turn.turnId, { after })) });
              }
            });
            const { log, status, error } = plan;
            for (const { after, done } of live) {
              const expected = expectedEvents(log, after, status, error);
              assert.deepEqual(await done, expected, `seed ${seed}, live cut after ${after}`);
            }
            const finishedCuts = [0, log.length];
            for (let index = 0; index < 30; index += 1) {
              finishedCuts.push(randomInteger(random, 0, log.length));
            }
            for (const after of finishedCuts) {
              const events = await collect(registry.read(turn.turnId, { after }));
              const expected = expectedEvents(log, after, status, error);
              assert.deepEqual(events, expected, `seed ${seed}, cut after ${after}`);
            }
            cuts += live.length + finishedCuts.length;
          }
          assert.ok(cuts >= 200, `only ${cuts} cut points were tried (seed ${seed})`);
        }),
    );

    contractTest(
      'a client reconnecting after its last received position gets every chunk once',
      () =>
        withRegistry(create, async (registry) => {
          const seed = randomInteger(Math.random, 1, 2 ** 31);
          const random = createRandom(seed);
          let reconnects = 0;
          for (let turnIndex = 0; turnIndex < 10; turnIndex += 1) {
            const turn = await openTurn(registry);
            const plan = planTurn(random, turn.assistantMessageId);
            const clients = [1, 2, 3].map(() => readWithReconnects(registry, turn.turnId, random));
            await writeTurn(registry, turn.turnId, plan, random, () => {});
            const expected = expectedEvents(plan.log, 0, plan.status, plan.error);
            for (const client of await Promise.all(clients)) {
              assert.deepEqual(client.events, expected, `seed ${seed}`);
              reconnects += client.reconnects;
            }
          }
          assert.ok(reconnects > 0, 'the clients did reconnect');
        }),
    );
  });
}
