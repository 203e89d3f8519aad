import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UIMessageChunk } from 'ai';
import { waitFor } from '../../tests/support/wait-for.ts';
import {
  collect,
  contractTest,
  endTurn,
  expectedEvents,
  newTurnInput,
  openTurn,
  randomPause,
  type StreamRegistryFactory,
  textDeltas,
  withRegistry,
} from './registry-contract-support.ts';
import {
  CursorOutOfRangeError,
  type ReadEvent,
  type StreamRegistry,
  TurnNotFoundError,
} from './stream-registry.ts';

/** Reads in the background, exposing what arrived so far and the outcome. */
function startReader(
  registry: StreamRegistry,
  turnId: string,
  after: number,
  signal?: AbortSignal,
) {
  const events: ReadEvent[] = [];
  const done = (async () => {
    for await (const event of registry.read(turnId, { after, signal })) events.push(event);
    return events;
  })();
  return { events, done };
}

export function describeReading(create: StreamRegistryFactory): void {
  describe('reading', () => {
    contractTest('readers attached before, during and after the turn see identical events', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const log = textDeltas(30);
        const before = startReader(registry, turn.turnId, 0);
        let during: ReturnType<typeof startReader> | undefined;
        for (const [index, chunk] of log.entries()) {
          await registry.append(turn.turnId, [chunk]);
          if (index === 14) during = startReader(registry, turn.turnId, 0);
          await randomPause();
        }
        await endTurn(registry, turn.turnId, 'completed', []);
        const after = await collect(registry.read(turn.turnId, { after: 0 }));
        assert.ok(during);
        assert.deepEqual(after, expectedEvents(log, 0, 'completed'));
        assert.deepEqual(await before.done, after);
        assert.deepEqual(await during.done, after);
      }),
    );

    contractTest(
      'resumes strictly after the cursor with replay, then live chunks, then one end event',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          const log = textDeltas(6);
          await registry.append(turn.turnId, log.slice(0, 3));
          const reader = startReader(registry, turn.turnId, 2);
          await waitFor(() => reader.events.length === 1, { message: 'replay of position 3' });
          await registry.append(turn.turnId, log.slice(3, 5));
          await waitFor(() => reader.events.length === 3, { message: 'live positions 4 and 5' });
          await endTurn(registry, turn.turnId, 'failed', log.slice(5), 'provider error');
          assert.deepEqual(await reader.done, expectedEvents(log, 2, 'failed', 'provider error'));
        }),
    );

    contractTest('a cursor at the last position of a finished turn yields only the end event', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        await registry.append(turn.turnId, textDeltas(3));
        await endTurn(registry, turn.turnId, 'cancelled', []);
        assert.deepEqual(await collect(registry.read(turn.turnId, { after: 3 })), [
          { type: 'end', status: 'cancelled', error: null },
        ]);
      }),
    );

    contractTest(
      'keeps readers waiting while the turn is closing and ends them after publishClose',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          const log = textDeltas(2);
          await registry.append(turn.turnId, log.slice(0, 1));
          const reader = startReader(registry, turn.turnId, 0);
          await waitFor(() => reader.events.length === 1);
          await registry.claimClose(turn.turnId, 'completed');
          const late = startReader(registry, turn.turnId, 1);
          await sleep(50);
          assert.equal(reader.events.length, 1, 'nothing is delivered while closing');
          assert.equal(late.events.length, 0);
          await registry.publishClose(turn.turnId, log.slice(1));
          assert.deepEqual(await reader.done, expectedEvents(log, 0, 'completed'));
          assert.deepEqual(await late.done, expectedEvents(log, 1, 'completed'));
        }),
    );

    contractTest('rejects a cursor that is negative, fractional or beyond the last position', () =>
      withRegistry(create, async (registry) => {
        const running = await openTurn(registry);
        await registry.append(running.turnId, textDeltas(3));
        const finished = await openTurn(registry);
        await registry.append(finished.turnId, textDeltas(2));
        await endTurn(registry, finished.turnId);
        const cases: [string, number][] = [
          [running.turnId, 4],
          [running.turnId, -1],
          [running.turnId, 1.5],
          [finished.turnId, 4],
          [finished.turnId, 1000],
        ];
        for (const [turnId, after] of cases) {
          await assert.rejects(
            async () => collect(registry.read(turnId, { after })),
            (error) => error instanceof CursorOutOfRangeError && error.after === after,
            `after ${after}`,
          );
        }
      }),
    );

    contractTest('a reader of a turn without chunks waits for the first one and the end', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const silent = await openTurn(registry);
        const reader = startReader(registry, turn.turnId, 0);
        const silentReader = startReader(registry, silent.turnId, 0);
        await sleep(30);
        assert.equal(reader.events.length, 0);
        const log = textDeltas(1);
        await registry.append(turn.turnId, log);
        await waitFor(() => reader.events.length === 1, { message: 'the first chunk arrives' });
        await endTurn(registry, turn.turnId, 'completed', []);
        await endTurn(registry, silent.turnId, 'cancelled', []);
        assert.deepEqual(await reader.done, expectedEvents(log, 0, 'completed'));
        assert.deepEqual(await silentReader.done, [
          { type: 'end', status: 'cancelled', error: null },
        ]);
      }),
    );

    contractTest('rejects reading an unknown turn with TurnNotFoundError', () =>
      withRegistry(create, async (registry) => {
        const turnId = newTurnInput().turnId;
        await assert.rejects(async () => collect(registry.read(turnId, { after: 0 })), {
          name: 'TurnNotFoundError',
          turnId,
        });
        await assert.rejects(
          async () => collect(registry.read(turnId, { after: 0 })),
          TurnNotFoundError,
        );
      }),
    );

    contractTest('every one of many concurrent readers receives every chunk', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const log = textDeltas(60);
        const readers: Promise<ReadEvent[]>[] = [];
        for (const [index, chunk] of log.entries()) {
          if (index % 3 === 0) readers.push(startReader(registry, turn.turnId, 0).done);
          await registry.append(turn.turnId, [chunk]);
          await randomPause();
        }
        await endTurn(registry, turn.turnId, 'completed', []);
        const expected = expectedEvents(log, 0, 'completed');
        for (const events of await Promise.all(readers)) assert.deepEqual(events, expected);
      }),
    );

    contractTest(
      'aborting a waiting reader ends it promptly and affects neither the turn nor others',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          const log = textDeltas(4);
          await registry.append(turn.turnId, log.slice(0, 2));
          const controller = new AbortController();
          const aborted = startReader(registry, turn.turnId, 0, controller.signal);
          const other = startReader(registry, turn.turnId, 0);
          await waitFor(() => aborted.events.length === 2 && other.events.length === 2);
          controller.abort();
          const timeout = sleep(1_000, 'still reading', { ref: false });
          assert.equal(await Promise.race([aborted.done.then(() => 'ended'), timeout]), 'ended');
          const state = await registry.getTurn(turn.turnId);
          assert.equal(state?.status, 'running');
          assert.equal(state?.cancelRequested, false);
          assert.equal(await registry.append(turn.turnId, log.slice(2)), 4);
          await endTurn(registry, turn.turnId, 'completed', []);
          assert.deepEqual(await other.done, expectedEvents(log, 0, 'completed'));
          assert.equal(aborted.events.length, 2, 'nothing arrives after the abort');
        }),
    );

    contractTest('aborting a reader mid-replay stops it before the next event', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const log = textDeltas(300);
        await registry.append(turn.turnId, log);
        await endTurn(registry, turn.turnId, 'completed', []);
        const controller = new AbortController();
        const received: ReadEvent[] = [];
        for await (const event of registry.read(turn.turnId, {
          after: 0,
          signal: controller.signal,
        })) {
          received.push(event);
          if (received.length === 10) controller.abort();
        }
        assert.deepEqual(received, expectedEvents(log, 0, 'completed').slice(0, 10));
        const again = await collect(registry.read(turn.turnId, { after: 10 }));
        assert.deepEqual(again, expectedEvents(log, 10, 'completed'));
      }),
    );

    contractTest('a reader whose signal is already aborted yields nothing', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        await registry.append(turn.turnId, textDeltas(2));
        const signal = AbortSignal.abort();
        assert.deepEqual(await collect(registry.read(turn.turnId, { after: 0, signal })), []);
      }),
    );

    contractTest('leaving a reader early with break leaves the turn and later readers intact', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const log: UIMessageChunk[] = textDeltas(5);
        await registry.append(turn.turnId, log);
        for await (const event of registry.read(turn.turnId, { after: 0 })) {
          if (event.type === 'chunk' && event.position === 2) break;
        }
        assert.equal(await registry.append(turn.turnId, [{ type: 'finish' }]), 6);
        const reader = startReader(registry, turn.turnId, 4);
        await endTurn(registry, turn.turnId, 'completed', []);
        assert.deepEqual(
          await reader.done,
          expectedEvents([...log, { type: 'finish' }], 4, 'completed'),
        );
      }),
    );
  });
}
