import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { UIMessageChunk } from 'ai';
import {
  collect,
  contractTest,
  endTurn,
  expectedEvents,
  newTurnInput,
  openTurn,
  randomInteger,
  randomPause,
  type StreamRegistryFactory,
  textDeltas,
  withRegistry,
} from './registry-contract-support.ts';
import type { OpenTurnResult, StreamRegistry, TerminalStatus } from './stream-registry.ts';

const rounds = 200;

async function openAfterPause(registry: StreamRegistry, sessionId: string) {
  await randomPause();
  return registry.openTurn(newTurnInput({ sessionId }));
}

function openedTurnIds(results: readonly OpenTurnResult[]): string[] {
  return results.flatMap((result) => (result.opened ? [result.turn.turnId] : []));
}

export function describeRaces(create: StreamRegistryFactory): void {
  describe('races', () => {
    contractTest('at most one turn is active per session under concurrent openTurn', () =>
      withRegistry(create, async (registry) => {
        for (let round = 0; round < rounds; round += 1) {
          const sessionId = newTurnInput().sessionId;
          const first = await Promise.all(
            [1, 2, 3, 4].map(() => openAfterPause(registry, sessionId)),
          );
          const [winner, ...others] = openedTurnIds(first);
          assert.ok(winner !== undefined && others.length === 0, `round ${round}: one opens`);
          for (const result of first) {
            if (!result.opened) assert.equal(result.activeTurn.turnId, winner);
          }
          // The winner ends while new turns race to open: none may open before it has closed.
          const closing = (async () => {
            await randomPause();
            await endTurn(registry, winner);
          })();
          const second = await Promise.all(
            [1, 2, 3, 4].map(() => openAfterPause(registry, sessionId)),
          );
          await closing;
          const reopened = openedTurnIds(second);
          assert.ok(reopened.length <= 1, `round ${round}: at most one reopens`);
          for (const result of second) {
            if (!result.opened) assert.ok([winner, ...reopened].includes(result.activeTurn.turnId));
          }
          const active = await registry.getActiveTurn(sessionId);
          assert.equal(active?.turnId ?? null, reopened[0] ?? null);
        }
      }),
    );

    contractTest('concurrent appenders get gap-free ordered positions and contiguous batches', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        const accepted: { chunks: UIMessageChunk[]; last: number }[] = [];
        await Promise.all(
          [1, 2, 3, 4, 5].map(async (appender) => {
            let previous = 0;
            for (let batch = 1; batch <= 40; batch += 1) {
              await randomPause();
              const chunks = textDeltas(randomInteger(Math.random, 1, 3), `a${appender}-b${batch}`);
              const last = await registry.append(turn.turnId, chunks);
              assert.ok(last !== null && last > previous, 'positions grow for each appender');
              previous = last;
              accepted.push({ chunks, last });
            }
          }),
        );
        const log = await registry.readAll(turn.turnId);
        const total = accepted.reduce((sum, batch) => sum + batch.chunks.length, 0);
        assert.deepEqual(
          log.map((entry) => entry.position),
          Array.from({ length: total }, (_, index) => index + 1),
        );
        for (const { chunks, last } of accepted) {
          const stored = log.slice(last - chunks.length, last).map((entry) => entry.chunk);
          assert.deepEqual(
            stored,
            chunks,
            'a batch is stored contiguously at the returned positions',
          );
        }
        assert.equal((await registry.getTurn(turn.turnId))?.lastPosition, total);
      }),
    );

    contractTest(
      'one of many racing claimClose calls wins and every reader sees exactly one end',
      () =>
        withRegistry(create, async (registry) => {
          const statuses: TerminalStatus[] = ['completed', 'failed', 'cancelled', 'failed'];
          for (let round = 0; round < rounds; round += 1) {
            const turn = await openTurn(registry);
            const initial = randomInteger(Math.random, 0, 3);
            if (initial > 0) await registry.append(turn.turnId, textDeltas(initial, 'initial'));
            const cursors = [0, initial];
            const readers = cursors.map((after) => collect(registry.read(turn.turnId, { after })));
            const accepted: { chunks: UIMessageChunk[]; last: number }[] = [];
            const writer = (async () => {
              for (let write = 1; ; write += 1) {
                await randomPause();
                const chunks = textDeltas(1 + (write % 2), `write-${write}`);
                const last = await registry.append(turn.turnId, chunks);
                if (last === null) return;
                accepted.push({ chunks, last });
              }
            })();
            const lateReader = (async () => {
              await randomPause(Math.random, 3);
              const after = (await registry.getTurn(turn.turnId))?.lastPosition ?? 0;
              cursors.push(after);
              return collect(registry.read(turn.turnId, { after }));
            })();
            const claims = await Promise.all(
              statuses.map(async (status, index) => {
                await randomPause(Math.random, 3);
                const error = status === 'failed' ? `claimer ${index}` : null;
                const won = await registry.claimClose(turn.turnId, status, error);
                if (won) await registry.publishClose(turn.turnId, [{ type: 'finish' }]);
                return won ? { status, error } : null;
              }),
            );
            await writer;
            const winners = claims.filter((claim) => claim !== null);
            assert.equal(winners.length, 1, `round ${round}: exactly one claim wins`);
            const [{ status, error }] = winners as [
              { status: TerminalStatus; error: string | null },
            ];
            const closed = await registry.getTurn(turn.turnId);
            assert.equal(closed?.status, status);
            assert.equal(closed?.error, error);
            const log = (await registry.readAll(turn.turnId)).map((entry) => entry.chunk);
            const writes = accepted.flatMap((batch) => batch.chunks);
            assert.deepEqual(log, [
              ...textDeltas(initial, 'initial'),
              ...writes,
              { type: 'finish' },
            ]);
            for (const { chunks, last } of accepted) {
              assert.deepEqual(log.slice(last - chunks.length, last), chunks);
            }
            const results = await Promise.all([...readers, lateReader]);
            for (const [index, events] of results.entries()) {
              assert.deepEqual(events, expectedEvents(log, cursors[index] ?? -1, status, error));
            }
          }
        }),
    );
  });
}
