import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../tests/support/wait-for.ts';
import {
  collect,
  contractTest,
  endTurn,
  openTurn,
  type StreamRegistryContractOptions,
  type StreamRegistryFactory,
  textDeltas,
  withRegistry,
} from './registry-contract-support.ts';
import { TurnNotFoundError } from './stream-registry.ts';

export function describeExpiry(
  create: StreamRegistryFactory,
  options: StreamRegistryContractOptions | undefined,
): void {
  const skip = options ? false : 'the adapter did not say its finishedTurnTtlMs';
  const ttlMs = options?.finishedTurnTtlMs ?? 0;
  describe('expiry', () => {
    contractTest(
      'a finished turn stays readable right after closing and disappears after the TTL',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          await registry.append(turn.turnId, textDeltas(2));
          await endTurn(registry, turn.turnId);
          assert.equal((await registry.getTurn(turn.turnId))?.status, 'completed');
          assert.equal((await registry.readAll(turn.turnId)).length, 3);
          await waitFor(async () => (await registry.getTurn(turn.turnId)) === null, {
            timeoutMs: ttlMs * 3 + 2_000,
            intervalMs: Math.max(5, Math.floor(ttlMs / 10)),
            message: 'the finished turn expires',
          });
          await assert.rejects(registry.readAll(turn.turnId), TurnNotFoundError);
          await assert.rejects(
            async () => collect(registry.read(turn.turnId, { after: 0 })),
            TurnNotFoundError,
          );
          assert.equal(await registry.append(turn.turnId, textDeltas(1)), null);
          assert.equal(await registry.requestCancel(turn.turnId), false);
        }),
      { skip },
    );

    contractTest(
      'running and closing turns never expire',
      () =>
        withRegistry(create, async (registry) => {
          const running = await openTurn(registry);
          const closing = await openTurn(registry);
          await registry.append(running.turnId, textDeltas(1));
          assert.equal(await registry.claimClose(closing.turnId, 'completed'), true);
          await sleep(ttlMs * 2 + 100);
          assert.equal((await registry.getActiveTurn(running.sessionId))?.turnId, running.turnId);
          assert.equal((await registry.getActiveTurn(closing.sessionId))?.status, 'closing');
          assert.equal(await registry.append(running.turnId, textDeltas(1)), 2);
          await registry.publishClose(closing.turnId, []);
          assert.equal((await registry.getTurn(closing.turnId))?.status, 'completed');
        }),
      { skip },
    );
  });
}
