import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { waitFor } from '../../tests/support/wait-for.ts';
import { MemoryStreamRegistry } from './memory-stream-registry.ts';
import { runStreamRegistryContract } from './registry-contract.ts';
import { collect, endTurn, openTurn, textDeltas } from './registry-contract-support.ts';

const finishedTurnTtlMs = 300;

runStreamRegistryContract(
  'memory',
  async () => {
    const registry = new MemoryStreamRegistry({ finishedTurnTtlMs });
    return { registry, cleanup: () => registry.close() };
  },
  { finishedTurnTtlMs },
);

describe('MemoryStreamRegistry', () => {
  test('rejects a TTL that is not a positive number of milliseconds', () => {
    for (const ttl of [0, -1, Number.NaN]) {
      assert.throws(() => new MemoryStreamRegistry({ finishedTurnTtlMs: ttl }), RangeError);
    }
  });

  test('expires a finished turn exactly at closedAt + TTL on its clock', async () => {
    let now = 1_000;
    const registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000, now: () => now });
    try {
      const turn = await openTurn(registry);
      assert.equal(turn.createdAt, 1_000);
      now = 5_000;
      await endTurn(registry, turn.turnId);
      assert.equal((await registry.getTurn(turn.turnId))?.closedAt, 5_000);
      now = 64_999;
      assert.equal((await registry.readAll(turn.turnId)).length, 1, 'readable until the TTL');
      now = 65_000;
      assert.equal(await registry.getTurn(turn.turnId), null);
      assert.equal(registry.stats().turns, 0, 'an expired turn is dropped from memory');
    } finally {
      await registry.close();
    }
  });

  test('dates the enqueue deadline of a turn by its own clock', async () => {
    let now = 7_000;
    const registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000, now: () => now });
    try {
      const turn = await openTurn(registry, { enqueueTimeoutMs: 2_500 });
      assert.equal(turn.enqueueDeadline, 9_500);
      now = 20_000;
      assert.equal((await registry.getTurn(turn.turnId))?.enqueueDeadline, 9_500);
    } finally {
      await registry.close();
    }
  });

  test('removes expired turns from memory without anyone asking for them', async () => {
    const registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 30 });
    try {
      const running = await openTurn(registry);
      for (let index = 0; index < 50; index += 1) {
        const turn = await openTurn(registry);
        await registry.append(turn.turnId, textDeltas(3));
        await endTurn(registry, turn.turnId);
      }
      assert.equal(registry.stats().turns, 51);
      await waitFor(() => registry.stats().turns === 1, { message: 'the sweeper ran' });
      assert.equal((await registry.getTurn(running.turnId))?.status, 'running');
    } finally {
      await registry.close();
    }
  });

  test('keeps one abort listener per waiting reader and none once readers finish', async () => {
    const registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 1_000 });
    try {
      const shared = new AbortController();
      const listeners = () => getEventListeners(shared.signal, 'abort').length;
      const turn = await openTurn(registry);
      const readers = Array.from({ length: 100 }, () =>
        collect(registry.read(turn.turnId, { after: 0, signal: shared.signal })),
      );
      let mostListeners = 0;
      for (let index = 0; index < 50; index += 1) {
        await waitFor(() => registry.stats().waitingReaders === 100);
        mostListeners = Math.max(mostListeners, listeners());
        await registry.append(turn.turnId, textDeltas(1));
      }
      assert.equal(mostListeners, 100, 'waiting does not pile up listeners');
      for await (const event of registry.read(turn.turnId, { after: 0, signal: shared.signal })) {
        if (event.type === 'chunk' && event.position === 3) break;
      }
      await endTurn(registry, turn.turnId);
      for (const events of await Promise.all(readers)) assert.equal(events.length, 52);
      assert.equal(listeners(), 0);
      assert.equal(registry.stats().waitingReaders, 0);
    } finally {
      await registry.close();
    }
  });

  test('releases the wait of every aborted reader', async () => {
    const registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 1_000 });
    try {
      const turn = await openTurn(registry);
      await registry.append(turn.turnId, textDeltas(1));
      const readers = Array.from({ length: 200 }, () => {
        const controller = new AbortController();
        const done = collect(registry.read(turn.turnId, { after: 0, signal: controller.signal }));
        return { controller, done };
      });
      await waitFor(() => registry.stats().waitingReaders === 200);
      for (const { controller } of readers) controller.abort();
      for (const { done } of readers) assert.equal((await done).length, 1);
      assert.equal(registry.stats().waitingReaders, 0);
      assert.equal((await registry.getTurn(turn.turnId))?.status, 'running');
    } finally {
      await registry.close();
    }
  });

  test('close forgets every turn and rejects further calls', async () => {
    const registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 1_000 });
    const turn = await openTurn(registry);
    const finished = await openTurn(registry);
    await endTurn(registry, finished.turnId);
    await registry.close();
    await registry.close();
    assert.deepEqual(registry.stats(), { turns: 0, waitingReaders: 0 });
    await assert.rejects(registry.getTurn(turn.turnId), /closed/);
    await assert.rejects(registry.append(turn.turnId, textDeltas(1)), /closed/);
  });

  test('a pending expiry does not keep the process alive', async () => {
    const moduleUrl = new URL('./memory-stream-registry.ts', import.meta.url).href;
    const script = `
      import { MemoryStreamRegistry } from ${JSON.stringify(moduleUrl)};
      const registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 3_600_000 });
      const input = { turnId: 't', sessionId: 's', userId: null, userMessageId: 'u', assistantMessageId: 'a' };
      await registry.openTurn(input);
      await registry.claimClose('t', 'completed');
      await registry.publishClose('t', []);
      if (registry.stats().turns !== 1) process.exit(2);
    `;
    const started = Date.now();
    await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], {
      timeout: 10_000,
    });
    assert.ok(Date.now() - started < 10_000);
  });
});
