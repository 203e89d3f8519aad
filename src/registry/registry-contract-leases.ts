import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  contractTest,
  endTurn,
  openTurn,
  type StreamRegistryFactory,
  withRegistry,
} from './registry-contract-support.ts';

/** Leases (one executor per running turn), the sweeper's view of active turns, named locks. */
export function describeLeases(create: StreamRegistryFactory): void {
  describe('leases, active turns and locks', () => {
    contractTest('a running turn is leased by one owner at a time', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        assert.equal(await registry.acquireLease(turn.turnId, 'executor-a', 5_000), 'acquired');
        assert.equal(await registry.acquireLease(turn.turnId, 'executor-a', 5_000), 'acquired');
        assert.equal(await registry.acquireLease(turn.turnId, 'executor-b', 5_000), 'held');
        const record = await registry.getTurn(turn.turnId);
        assert.equal(record?.leaseOwner, 'executor-a');
        assert.ok((record?.leaseExpiresAt ?? 0) > Date.now());
      }),
    );

    contractTest('a lapsed lease of another owner reads as expired, never as free', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        assert.equal(await registry.acquireLease(turn.turnId, 'executor-a', 150), 'acquired');
        await sleep(300);
        assert.equal(await registry.acquireLease(turn.turnId, 'executor-b', 5_000), 'expired');
        assert.equal(await registry.refreshLease(turn.turnId, 'executor-b', 5_000), false);
      }),
    );

    contractTest(
      'refreshing keeps the lease alive past its first TTL; only the owner may refresh',
      () =>
        withRegistry(create, async (registry) => {
          const turn = await openTurn(registry);
          await registry.acquireLease(turn.turnId, 'executor-a', 200);
          for (let round = 0; round < 4; round += 1) {
            await sleep(100);
            assert.equal(await registry.refreshLease(turn.turnId, 'executor-a', 200), true);
          }
          assert.equal(await registry.refreshLease(turn.turnId, 'executor-b', 200), false);
          assert.equal(await registry.acquireLease(turn.turnId, 'executor-b', 200), 'held');
        }),
    );

    contractTest('exactly one of many concurrent owners acquires a free lease', () =>
      withRegistry(create, async (registry) => {
        for (let round = 0; round < 50; round += 1) {
          const turn = await openTurn(registry);
          const results = await Promise.all(
            Array.from({ length: 5 }, (_, index) =>
              registry.acquireLease(turn.turnId, `executor-${index}`, 5_000),
            ),
          );
          assert.equal(
            results.filter((result) => result === 'acquired').length,
            1,
            `round ${round}`,
          );
          assert.equal(results.filter((result) => result === 'held').length, 4, `round ${round}`);
        }
      }),
    );

    contractTest(
      'a turn whose cancel was requested is not leased: the caller learns of the cancel instead',
      () =>
        withRegistry(create, async (registry) => {
          const queued = await openTurn(registry);
          assert.equal(await registry.requestCancel(queued.turnId), true);
          assert.equal(
            await registry.acquireLease(queued.turnId, 'executor-a', 5_000),
            'cancel-requested',
          );
          assert.equal((await registry.getTurn(queued.turnId))?.leaseOwner, null);
          // A cancel of a turn already leased: a second executor (a redelivery) hears of it too,
          // and the lease stays its owner's.
          const leased = await openTurn(registry);
          assert.equal(await registry.acquireLease(leased.turnId, 'executor-a', 5_000), 'acquired');
          assert.equal(await registry.requestCancel(leased.turnId), true);
          assert.equal(
            await registry.acquireLease(leased.turnId, 'executor-b', 5_000),
            'cancel-requested',
          );
          assert.equal((await registry.getTurn(leased.turnId))?.leaseOwner, 'executor-a');
          assert.equal(await registry.refreshLease(leased.turnId, 'executor-a', 5_000), true);
        }),
    );

    contractTest('turns that are not running cannot be leased or refreshed', () =>
      withRegistry(create, async (registry) => {
        const turn = await openTurn(registry);
        await registry.acquireLease(turn.turnId, 'executor-a', 5_000);
        assert.equal(await registry.claimClose(turn.turnId, 'completed'), true);
        assert.equal(await registry.acquireLease(turn.turnId, 'executor-b', 5_000), 'not-running');
        assert.equal(await registry.refreshLease(turn.turnId, 'executor-a', 5_000), false);
        await registry.publishClose(turn.turnId, []);
        assert.equal(await registry.acquireLease(turn.turnId, 'executor-a', 5_000), 'not-running');
        assert.equal(
          await registry.acquireLease(`turn-${randomUUID()}`, 'x', 5_000),
          'not-running',
        );
      }),
    );

    contractTest('lists running and closing turns as active, and forgets them once ended', () =>
      withRegistry(create, async (registry) => {
        const running = await openTurn(registry);
        const closing = await openTurn(registry);
        const ended = await openTurn(registry);
        assert.equal(await registry.claimClose(closing.turnId, 'failed', 'boom'), true);
        await endTurn(registry, ended.turnId);
        const active = await registry.listActiveTurnIds();
        assert.ok(active.includes(running.turnId));
        assert.ok(active.includes(closing.turnId));
        assert.ok(!active.includes(ended.turnId));
        const closingRecord = await registry.getTurn(closing.turnId);
        assert.ok((closingRecord?.closingAt ?? 0) > 0, 'a closing turn says since when');
      }),
    );

    contractTest('a named lock has one holder until it lapses; the holder renews it', () =>
      withRegistry(create, async (registry) => {
        const name = `sweeper-${randomUUID()}`;
        assert.equal(await registry.acquireLock(name, 'a', 200), true);
        assert.equal(await registry.acquireLock(name, 'b', 200), false);
        assert.equal(await registry.acquireLock(name, 'a', 200), true);
        await sleep(350);
        assert.equal(await registry.acquireLock(name, 'b', 200), true);
        assert.equal(await registry.acquireLock(name, 'a', 200), false);
        const contenders = await Promise.all(
          ['c', 'd', 'e', 'f'].map((owner) => registry.acquireLock(`${name}-2`, owner, 5_000)),
        );
        assert.equal(contenders.filter(Boolean).length, 1);
      }),
    );
  });
}
