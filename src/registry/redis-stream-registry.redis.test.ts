import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { waitFor } from '../../tests/support/wait-for.ts';
import {
  collect,
  endTurn,
  expectedEvents,
  newTurnInput,
  openTurn,
  textDeltas,
} from './registry-contract-support.ts';
import { createRedisKeys } from './redis/redis-keys.ts';
import {
  RedisStreamRegistry,
  type RedisStreamRegistryOptions,
} from './redis/redis-stream-registry.ts';
import { deleteKeys, listKeys, redisUrl } from '../../tests/support/redis-test-support.ts';
import { keySlot } from './redis/key-slot.ts';
import { RegistryCommands, registryScripts } from './redis/registry-commands.ts';
import { type LuaScript, ScriptRunner } from './redis/script-runner.ts';
import { encodeChunks } from './redis/turn-record-codec.ts';
import { CursorOutOfRangeError, type ReadEvent, TurnNotFoundError } from './stream-registry.ts';

const admin = new Redis(redisUrl, { lazyConnect: true, protocol: 2 });
const opened = new Set<RedisStreamRegistry>();
after(async () => {
  // A failed test must not leave connections that keep this file's process alive.
  await Promise.all([...opened].map((registry) => registry.close()));
  await admin.quit();
});

type Options = Partial<RedisStreamRegistryOptions>;

async function connect(keyPrefix: string, options: Options = {}): Promise<RedisStreamRegistry> {
  const registry = await RedisStreamRegistry.connect({
    url: redisUrl,
    keyPrefix,
    finishedTurnTtlMs: 60_000,
    ...options,
  });
  opened.add(registry);
  return registry;
}

/** A registry on a fresh key prefix whose keys are deleted afterwards. */
async function withRegistry(
  options: Options,
  body: (registry: RedisStreamRegistry, keyPrefix: string) => Promise<void>,
): Promise<void> {
  const keyPrefix = `dc-test-${randomUUID()}`;
  const registry = await connect(keyPrefix, options);
  try {
    await body(registry, keyPrefix);
  } finally {
    await registry.close();
    await deleteKeys(admin, keyPrefix);
  }
}

async function connectionsNamed(name: string): Promise<number> {
  const list = String(await admin.call('CLIENT', 'LIST'));
  return list.split('\n').filter((line) => line.includes(` name=${name} `)).length;
}

describe('RedisStreamRegistry on a real Redis', () => {
  test('keeps every key of one turn, and its bucket index, in one cluster slot', () =>
    withRegistry({}, async (registry, keyPrefix) => {
      const layout = createRedisKeys(keyPrefix);
      const turns = await Promise.all(Array.from({ length: 40 }, () => openTurn(registry)));
      for (const turn of turns) {
        await registry.append(turn.turnId, textDeltas(2));
        await endTurn(registry, turn.turnId);
      }
      const keys = await listKeys(admin, keyPrefix);
      for (const turn of turns) {
        const turnKeys = keys.filter((key) => key.includes(turn.turnId));
        assert.equal(turnKeys.length, 2, 'a meta hash and a chunk stream');
        turnKeys.push(layout.activeTurns(layout.bucketOf(turn.turnId)));
        assert.equal(new Set(turnKeys.map(keySlot)).size, 1, turnKeys.join(', '));
      }
      const slots = new Set(turns.map((turn) => keySlot(layout.turnMeta(turn.turnId))));
      assert.ok(slots.size >= 8, `40 turns spread over ${slots.size} slots`);
    }));

  test('the buckets’ slots spread evenly over the slot range', () => {
    for (const bucketCount of [1, 3, 16, 64]) {
      const layout = createRedisKeys('durable-chat', bucketCount);
      const slots = Array.from({ length: bucketCount }, (_, bucket) =>
        keySlot(layout.activeTurns(bucket)),
      );
      for (const [bucket, slot] of slots.entries()) {
        assert.ok(slot >= Math.floor((bucket * 16_384) / bucketCount), `bucket ${bucket}`);
        assert.ok(slot < Math.floor(((bucket + 1) * 16_384) / bucketCount), `bucket ${bucket}`);
      }
    }
  });

  test('an append is one XADD: no script, no read of the turn’s state', () =>
    withRegistry({}, async (registry, keyPrefix) => {
      const turn = await openTurn(registry);
      await registry.acquireLease(turn.turnId, 'executor-a', 10_000);
      await registry.append(turn.turnId, textDeltas(1, 'warm'));
      const monitor = await admin.monitor();
      const seen: string[] = [];
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args.some((argument) => argument.includes(keyPrefix))) seen.push(args[0] ?? '');
      });
      try {
        for (let round = 0; round < 30; round += 1) {
          await registry.append(turn.turnId, textDeltas(1 + (round % 3), `r${round}`));
        }
        await registry.getTurn(turn.turnId);
        await waitFor(() => seen.includes('hgetall'));
      } finally {
        monitor.disconnect();
      }
      const appends = seen.slice(0, seen.indexOf('hgetall'));
      assert.deepEqual(
        appends,
        Array.from({ length: 30 }, () => 'xadd'),
      );
      assert.equal((await registry.getTurn(turn.turnId))?.lastPosition, 1 + 10 * (1 + 2 + 3));
    }));

  test('live readers of many turns share XREADs: at most one per read interval', () =>
    withRegistry({ readIntervalMs: 25 }, async (registry, keyPrefix) => {
      const turns = await Promise.all(Array.from({ length: 40 }, () => openTurn(registry)));
      // Settled up front: a failure of the test body must not turn into unhandled rejections.
      const readers = Promise.allSettled(
        turns.map((turn) => collect(registry.read(turn.turnId, { after: 0 }))),
      );
      await waitFor(() => registry.stats().waitingReaders === 40);
      const monitor = await admin.monitor();
      let xreads = 0;
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args[0]?.toLowerCase() === 'xread' && args.some((key) => key.includes(keyPrefix))) {
          xreads += 1;
        }
      });
      const started = performance.now();
      try {
        for (let round = 0; round < 30; round += 1) {
          await Promise.all(turns.map((turn) => registry.append(turn.turnId, textDeltas(1))));
          await sleep(5);
        }
        await Promise.all(turns.map((turn) => endTurn(registry, turn.turnId, 'completed', [])));
        for (const read of await readers) {
          assert.equal(read.status, 'fulfilled');
          assert.equal(read.value.length, 31);
        }
      } finally {
        monitor.disconnect();
      }
      const elapsedMs = performance.now() - started;
      assert.ok(
        xreads <= elapsedMs / 25 + 3,
        `${xreads} XREADs in ${Math.round(elapsedMs)} ms for 1,240 entries of 40 turns`,
      );
    }));

  test('a turn opened without the opening marker (an earlier version) still takes appends', () =>
    withRegistry({ activeTurnTtlMs: 600_000 }, async (registry, keyPrefix) => {
      const keys = createRedisKeys(keyPrefix);
      const turn = await openTurn(registry);
      await admin.del(keys.turnStream(turn.turnId));
      await admin.hset(keys.turnMeta(turn.turnId), 'lastPosition', '2');
      assert.equal(await registry.append(turn.turnId, textDeltas(1, 'late')), 3);
      const ttl = await admin.pttl(keys.turnStream(turn.turnId));
      assert.ok(ttl > 500_000, `the stream it makes gets the active TTL (${ttl} ms)`);
    }));

  test('an active turn keeps its keys past several TTL windows; abandoned, they vanish', () =>
    withRegistry({ activeTurnTtlMs: 300 }, async (registry, keyPrefix) => {
      const keys = createRedisKeys(keyPrefix);
      const turn = await openTurn(registry);
      await registry.acquireLease(turn.turnId, 'executor-a', 1_000);
      for (let round = 0; round < 8; round += 1) {
        await sleep(120);
        // Lease refreshes are the signs of life; appends in between change nothing.
        await registry.append(turn.turnId, textDeltas(1, `r${round}`));
        assert.equal(await registry.refreshLease(turn.turnId, 'executor-a', 1_000), true);
      }
      assert.equal((await registry.getTurn(turn.turnId))?.lastPosition, 8);
      const ttl = await admin.pttl(keys.turnStream(turn.turnId));
      assert.ok(ttl > 0 && ttl <= 300, `the stream has the active TTL (${ttl} ms)`);
      await waitFor(async () => (await registry.getTurn(turn.turnId)) === null, {
        timeoutMs: 3_000,
        message: 'the abandoned turn expires',
      });
      assert.equal(await admin.exists(keys.turnStream(turn.turnId)), 0);
      assert.equal(await registry.getActiveTurn(turn.sessionId), null);
      assert.ok(!(await registry.listActiveTurnIds()).includes(turn.turnId));
      assert.equal(await admin.exists(keys.sessionActiveTurn(turn.sessionId)), 0);
      assert.equal(
        await admin.hexists(keys.activeTurns(keys.bucketOf(turn.turnId)), turn.turnId),
        0,
      );
      await openTurn(registry, { sessionId: turn.sessionId });
    }));

  test('opening sets the TTL of the turn’s keys; appends leave it alone', () =>
    withRegistry({ activeTurnTtlMs: 600_000 }, async (registry, keyPrefix) => {
      const keys = createRedisKeys(keyPrefix);
      const turn = await openTurn(registry);
      const turnKeys = [keys.turnMeta(turn.turnId), keys.turnStream(turn.turnId)];
      const ttls = () => Promise.all(turnKeys.map((key) => admin.pttl(key)));
      for (const ttl of await ttls()) assert.ok(ttl > 500_000, `opening sets it (${ttl})`);
      for (const key of turnKeys) await admin.pexpire(key, 50_000);
      for (let position = 1; position <= 70; position += 1) {
        await registry.append(turn.turnId, textDeltas(1, `p${position}`));
      }
      for (const ttl of await ttls()) assert.ok(ttl <= 50_000, `appends leave it (${ttl})`);
      await registry.acquireLease(turn.turnId, 'executor-a', 1_000);
      assert.equal(await registry.refreshLease(turn.turnId, 'executor-a', 1_000), true);
      for (const ttl of await ttls()) assert.ok(ttl > 500_000, `a lease refresh extends (${ttl})`);
      assert.equal((await registry.getTurn(turn.turnId))?.lastPosition, 70);
    }));

  test('a finished turn frees its session at once and its keys expire after the TTL', () =>
    withRegistry({ finishedTurnTtlMs: 300 }, async (registry, keyPrefix) => {
      const keys = createRedisKeys(keyPrefix);
      const turn = await openTurn(registry);
      await registry.append(turn.turnId, textDeltas(3));
      await endTurn(registry, turn.turnId);
      assert.equal(await admin.exists(keys.sessionActiveTurn(turn.sessionId)), 0);
      assert.equal(
        await admin.hexists(keys.activeTurns(keys.bucketOf(turn.turnId)), turn.turnId),
        0,
      );
      for (const key of [keys.turnMeta(turn.turnId), keys.turnStream(turn.turnId)]) {
        const ttl = await admin.pttl(key);
        assert.ok(ttl > 0 && ttl <= 300, `${key} expires in ${ttl} ms`);
      }
      await sleep(450);
      assert.deepEqual(await listKeys(admin, keyPrefix), []);
    }));

  test('a cursor whose positions were trimmed away is out of range, never skipped', () =>
    withRegistry({}, async (registry, keyPrefix) => {
      const keys = createRedisKeys(keyPrefix);
      const turn = await openTurn(registry);
      const log = textDeltas(5);
      // One entry per append: trimming takes whole entries.
      for (const chunk of log) await registry.append(turn.turnId, [chunk]);
      await endTurn(registry, turn.turnId, 'completed', []);
      await admin.xtrim(keys.turnStream(turn.turnId), 'MINID', '3-0');
      for (const cursor of [0, 1]) {
        await assert.rejects(
          async () => collect(registry.read(turn.turnId, { after: cursor })),
          CursorOutOfRangeError,
        );
      }
      await assert.rejects(registry.readAll(turn.turnId), CursorOutOfRangeError);
      const rest = await collect(registry.read(turn.turnId, { after: 2 }));
      assert.deepEqual(rest, expectedEvents(log, 2, 'completed'));
    }));

  test('a stream that expired before its hash is out of range for any earlier cursor', () =>
    withRegistry({}, async (registry, keyPrefix) => {
      const turn = await openTurn(registry);
      await registry.append(turn.turnId, textDeltas(3));
      await endTurn(registry, turn.turnId, 'failed', [], 'boom');
      await admin.del(createRedisKeys(keyPrefix).turnStream(turn.turnId));
      await assert.rejects(
        async () => collect(registry.read(turn.turnId, { after: 1 })),
        CursorOutOfRangeError,
      );
      assert.deepEqual(await collect(registry.read(turn.turnId, { after: 3 })), [
        { type: 'end', status: 'failed', error: 'boom' },
      ]);
    }));

  test('a turn whose hash vanished is not running: its session opens again', () =>
    withRegistry({}, async (registry, keyPrefix) => {
      const keys = createRedisKeys(keyPrefix);
      const listed = await openTurn(registry);
      const reopened = await openTurn(registry);
      await admin.del(keys.turnMeta(listed.turnId), keys.turnMeta(reopened.turnId));
      assert.equal(await registry.getActiveTurn(listed.sessionId), null);
      assert.ok(!(await registry.listActiveTurnIds()).includes(listed.turnId));
      assert.equal(await admin.exists(keys.sessionActiveTurn(listed.sessionId)), 0);
      assert.equal(
        await admin.hexists(keys.activeTurns(keys.bucketOf(listed.turnId)), listed.turnId),
        0,
      );
      // Opening without a listing in between goes over the stale pointer.
      const next = await openTurn(registry, { sessionId: reopened.sessionId });
      assert.equal((await registry.getActiveTurn(reopened.sessionId))?.turnId, next.turnId);
      assert.deepEqual(await registry.listActiveTurnIds(), [next.turnId]);
    }));

  test('a reader waiting on a turn whose hash vanished ends with TurnNotFoundError', () =>
    withRegistry({ vanishedTurnCheckIntervalMs: 50 }, async (registry, keyPrefix) => {
      const keys = createRedisKeys(keyPrefix);
      const turn = await openTurn(registry);
      await registry.append(turn.turnId, textDeltas(1));
      const reading = collect(registry.read(turn.turnId, { after: 0 }));
      await waitFor(() => registry.stats().waitingReaders === 1);
      await admin.del(keys.turnMeta(turn.turnId), keys.turnStream(turn.turnId));
      await assert.rejects(reading, TurnNotFoundError);
      assert.equal(registry.stats().subscribers, 0);
    }));

  test('loads each script once and reloads only what a flushed script cache lost', () =>
    withRegistry({}, async (registry) => {
      assert.equal(registry.stats().scriptLoads, registryScripts.length);
      const shas = registryScripts.map((script) => script.sha);
      assert.deepEqual(
        await admin.script('EXISTS', ...shas),
        shas.map(() => 1),
      );
      for (let round = 0; round < 20; round += 1) {
        const turn = await openTurn(registry);
        await registry.append(turn.turnId, textDeltas(2));
        await registry.acquireLease(turn.turnId, 'executor-a', 1_000);
        await registry.requestCancel(turn.turnId);
        await endTurn(registry, turn.turnId, 'cancelled');
      }
      assert.equal(registry.stats().scriptLoads, registryScripts.length);
      assert.ok(registry.stats().scriptCalls >= 120);
      // What a Redis restart does to the script cache. Another test process on this server may
      // reload a script first, so the counts are upper bounds: one reload per script at most.
      await admin.script('FLUSH');
      const loadsBefore = registry.stats().scriptLoads;
      const turns = await Promise.all(Array.from({ length: 20 }, () => openTurn(registry)));
      assert.equal(new Set(turns.map((turn) => turn.turnId)).size, 20);
      assert.ok(registry.stats().scriptLoads - loadsBefore <= 1, '20 NOSCRIPTs share one load');
      assert.ok(registry.stats().scriptLoads <= registryScripts.length + 2);
    }));

  const name = `dc-test-${randomUUID()}`;
  test('1,000 idle readers share at most 4 connections and each gets a new chunk once', () =>
    withRegistry({ clientName: name }, async (registry) => {
      const turns = await Promise.all(Array.from({ length: 50 }, () => openTurn(registry)));
      const readers = turns.flatMap((turn) =>
        Array.from({ length: 20 }, () => {
          const events: ReadEvent[] = [];
          const done = (async () => {
            for await (const event of registry.read(turn.turnId, { after: 0 })) events.push(event);
          })();
          return { turn, events, done };
        }),
      );
      await waitFor(() => registry.stats().waitingReaders === 1_000, { timeoutMs: 10_000 });
      assert.ok((await connectionsNamed(name)) <= 4);
      assert.equal(registry.stats().connections, 2);
      const chunk = { type: 'text-delta', id: 'text-1', delta: 'hello' } as const;
      await Promise.all(turns.map((turn) => registry.append(turn.turnId, [chunk])));
      await waitFor(() => readers.every((reader) => reader.events.length >= 1));
      await sleep(50);
      for (const { events } of readers) {
        assert.deepEqual(events, [{ type: 'chunk', position: 1, chunk }]);
      }
      await Promise.all(turns.map((turn) => endTurn(registry, turn.turnId, 'completed', [])));
      await Promise.all(readers.map((reader) => reader.done));
      for (const { events } of readers)
        assert.deepEqual(events, expectedEvents([chunk], 0, 'completed'));
      assert.equal(registry.stats().subscribers, 0);
      assert.ok((await connectionsNamed(name)) <= 4);
    }));

  test('a reader on one registry gets exactly what a writer on another one wrote', () =>
    withRegistry({}, async (writer, keyPrefix) => {
      const reader = await connect(keyPrefix);
      try {
        const turn = await openTurn(writer);
        const log = textDeltas(60);
        const early = collect(reader.read(turn.turnId, { after: 0 }));
        let late: Promise<ReadEvent[]> | undefined;
        for (let index = 0; index < log.length; index += 3) {
          await writer.append(turn.turnId, log.slice(index, index + 3));
          if (index === 30) late = collect(reader.read(turn.turnId, { after: 17 }));
          await sleep(Math.random() * 3);
        }
        await endTurn(writer, turn.turnId, 'completed', []);
        assert.deepEqual(await early, expectedEvents(log, 0, 'completed'));
        assert.deepEqual(await late, expectedEvents(log, 17, 'completed'));
        assert.equal((await reader.getTurn(turn.turnId))?.status, 'completed');
      } finally {
        await reader.close();
      }
    }));

  test('aborted and finished readers leave no abort listener and no subscription behind', () =>
    withRegistry({}, async (registry) => {
      const shared = new AbortController();
      const listeners = () => getEventListeners(shared.signal, 'abort').length;
      const turn = await openTurn(registry);
      const readers = Array.from({ length: 100 }, () =>
        collect(registry.read(turn.turnId, { after: 0, signal: shared.signal })),
      );
      let mostListeners = 0;
      for (let index = 0; index < 20; index += 1) {
        await waitFor(() => registry.stats().waitingReaders === 100);
        mostListeners = Math.max(mostListeners, listeners());
        await registry.append(turn.turnId, textDeltas(1));
      }
      assert.ok(mostListeners <= 100, `${mostListeners} listeners for 100 readers`);
      await endTurn(registry, turn.turnId);
      for (const events of await Promise.all(readers)) assert.equal(events.length, 22);
      assert.equal(listeners(), 0);
      const other = await openTurn(registry);
      const controllers = Array.from({ length: 100 }, () => new AbortController());
      const aborted = controllers.map((controller) =>
        collect(registry.read(other.turnId, { after: 0, signal: controller.signal })),
      );
      await waitFor(() => registry.stats().waitingReaders === 100);
      for (const controller of controllers) controller.abort();
      for (const events of await Promise.all(aborted)) assert.deepEqual(events, []);
      assert.deepEqual(
        { ...registry.stats(), scriptLoads: 0, scriptCalls: 0 },
        {
          subscribedTurns: 0,
          subscribers: 0,
          waitingReaders: 0,
          connections: 2,
          scriptLoads: 0,
          scriptCalls: 0,
        },
      );
    }));

  test('close rejects waiting readers and leaves no connection open', () =>
    withRegistry({ clientName: `${name}-closing` }, async (registry) => {
      assert.equal(await connectionsNamed(`${name}-closing`), 1, 'no reader yet: no XREAD');
      const turn = await openTurn(registry);
      const reading = collect(registry.read(turn.turnId, { after: 0 })).then(
        () => null,
        (error: unknown) => error,
      );
      await waitFor(() => registry.stats().waitingReaders === 1);
      await waitFor(async () => (await connectionsNamed(`${name}-closing`)) === 2);
      await registry.close();
      assert.match(String(await reading), /closed/);
      await waitFor(async () => (await connectionsNamed(`${name}-closing`)) === 0);
      await assert.rejects(registry.getTurn(turn.turnId), /closed/);
    }));

  test('connecting to an unreachable Redis fails fast instead of waiting', async () => {
    const started = Date.now();
    await assert.rejects(
      RedisStreamRegistry.connect({
        url: 'redis://127.0.0.1:1',
        keyPrefix: 'unreachable',
        finishedTurnTtlMs: 1_000,
      }),
      /could not connect to Redis/,
    );
    assert.ok(Date.now() - started < 5_000);
  });

  test('every command run twice, as ioredis resends a command whose reply a reset lost, answers as the first run did', async () => {
    /** Runs each script twice with the same keys and arguments and answers the second reply. */
    class ResendingRunner extends ScriptRunner {
      override async run(
        script: LuaScript,
        keys: readonly string[],
        args: readonly (string | number)[],
      ): Promise<unknown> {
        await super.run(script, keys, args);
        return super.run(script, keys, args);
      }
    }
    const runner = new ResendingRunner(admin);
    await runner.load(registryScripts);
    await withRegistry({}, async (registry, keyPrefix) => {
      const commands = new RegistryCommands(runner, admin, createRedisKeys(keyPrefix), {
        activeTurnTtlMs: 60_000,
        finishedTurnTtlMs: 60_000,
      });
      for (let round = 0; round < 25; round += 1) {
        const input = newTurnInput();
        const created = await commands.createTurn(input);
        assert.equal(created.created, true, 'a resent open is still the opener');
        for (let repeat = 0; repeat < 2; repeat += 1) {
          assert.deepEqual(await commands.takeSession(input.sessionId, input.turnId, ''), {
            taken: true,
          });
        }
        assert.equal((await registry.getActiveTurn(input.sessionId))?.turnId, input.turnId);
        const chunks = textDeltas(round % 3 === 0 ? 0 : 3, `r${round}`);
        if (chunks.length > 0) {
          const nonce = `n${round}`;
          const encoded = encodeChunks(chunks);
          assert.equal(
            await commands.appendFast(input.turnId, chunks.length, nonce, encoded),
            'stored',
          );
          // The resent XADD is refused; the careful append finds it stored already.
          assert.equal(
            await commands.appendFast(input.turnId, chunks.length, nonce, encoded),
            'retry',
          );
          const appended = await commands.appendChecked(input.turnId, nonce, encoded);
          assert.equal(appended, chunks.length, 'a resent append stores its chunks once');
        }
        assert.equal(
          await commands.acquireLease(input.turnId, 'executor-a', 1_000),
          'acquired',
          'a resent lease is still held by its owner',
        );
        assert.equal(await commands.requestCancel(input.turnId), true);
        assert.equal(
          await commands.claimClose(input.turnId, 'cancelled', null),
          true,
          'a resent claim is still won: its caller publishes the close',
        );
        const published = await commands.publishClose(
          input.turnId,
          encodeChunks([{ type: 'abort' }]),
        );
        assert.deepEqual(
          published,
          { lastPosition: chunks.length + 1, sessionId: input.sessionId },
          'a resent publish stores its chunks once',
        );
        assert.equal(await commands.clearSessionPointer(input.sessionId, input.turnId), false);
        const turn = await registry.getTurn(input.turnId);
        assert.equal(turn?.status, 'cancelled');
        assert.equal(turn?.lastPosition, chunks.length + 1);
        assert.equal(await registry.getActiveTurn(input.sessionId), null);
        const events = await collect(registry.read(input.turnId, { after: 0 }));
        assert.deepEqual(events, expectedEvents([...chunks, { type: 'abort' }], 0, 'cancelled'));
      }
      // A resent compare-and-set of a pointer naming an ended turn still takes the session.
      const successor = newTurnInput();
      const layout = createRedisKeys(keyPrefix);
      await admin.set(layout.sessionActiveTurn(successor.sessionId), 'an-ended-turn');
      await commands.createTurn(successor);
      assert.deepEqual(
        await commands.takeSession(successor.sessionId, successor.turnId, 'an-ended-turn'),
        { taken: true },
      );
      assert.equal(
        await admin.get(layout.sessionActiveTurn(successor.sessionId)),
        successor.turnId,
      );
      // A repeat that is not one (another session's open of a used id) is still refused.
      const taken = newTurnInput();
      await commands.createTurn(taken);
      assert.deepEqual(await commands.createTurn({ ...newTurnInput(), turnId: taken.turnId }), {
        created: false,
      });
    });
  });

  test('every Lua script documents its keys, arguments and replies, and uses its key count', () => {
    const folder = new URL('./redis/lua/', import.meta.url);
    const files = readdirSync(folder).filter((file) => file.endsWith('.lua'));
    assert.equal(files.length, registryScripts.length);
    for (const file of files) {
      const source = readFileSync(new URL(file, folder), 'utf8');
      const keyCount = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
      const used = [...source.matchAll(/KEYS\[(\d+)\]/g)].map((match) => Number(match[1]));
      assert.equal(Math.max(...used), keyCount, `${file} uses KEYS[1..${keyCount}]`);
      for (const heading of ['Input:', 'KEYS[1]', 'Output:']) {
        assert.ok(source.startsWith('--[[') && source.includes(heading), `${file}: ${heading}`);
      }
    }
  });
});
