import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisStreamRegistry } from '../src/registry/redis/redis-stream-registry.ts';
import type { ReadEvent } from '../src/registry/stream-registry.ts';
import { deleteKeys } from '../tests/support/redis-test-support.ts';

/** One measurement: `subscribers` idle readers, each on its own running turn. */
export interface IdleSubscribersResult {
  subscribers: number;
  /** Heap growth after GC, divided by the number of readers. */
  heapBytesPerSubscriber: number;
  /** Connections Redis lists under the registry's client name (CLIENT LIST). */
  redisConnections: number;
  /** What the registry itself reports (`stats().connections`). */
  registryConnections: number;
  /** How long the readers took to be parked in the shared XREAD. */
  subscribeMs: number;
}

const openBatch = 500;

/**
 * Runs in its own process with `--expose-gc`:
 * `node --expose-gc bench/idle-subscribers.ts '{"redisUrl":…,"counts":[1000,10000]}'`.
 * For each count: a RedisStreamRegistry (as an API process has one), that many running turns
 * without chunks, and one `read()` per turn waiting for its next chunk — the state of an API
 * process whose clients all watch a model that is thinking. Prints the results as one JSON line.
 */
async function main(): Promise<void> {
  const { redisUrl, counts } = JSON.parse(process.argv[2] ?? '') as {
    redisUrl: string;
    counts: number[];
  };
  const collect = globalThis.gc;
  if (!collect) throw new Error('run with --expose-gc');
  const admin = new Redis(redisUrl);
  const results: IdleSubscribersResult[] = [];
  try {
    for (const count of counts) results.push(await measure(redisUrl, admin, count, collect));
  } finally {
    admin.disconnect();
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
}

async function measure(
  redisUrl: string,
  admin: Redis,
  count: number,
  collect: () => void,
): Promise<IdleSubscribersResult> {
  const keyPrefix = `bench-idle-${randomUUID().slice(0, 8)}`;
  const clientName = `durable-chat:${keyPrefix}`;
  const registry = await RedisStreamRegistry.connect({
    url: redisUrl,
    keyPrefix,
    clientName,
    finishedTurnTtlMs: 600_000,
  });
  const turnIds = Array.from({ length: count }, () => randomUUID());
  const controllers: AbortController[] = [];
  const pending: Promise<IteratorResult<ReadEvent>>[] = [];
  try {
    for (let start = 0; start < count; start += openBatch) {
      await Promise.all(
        turnIds.slice(start, start + openBatch).map((turnId) =>
          registry.openTurn({
            turnId,
            sessionId: randomUUID(),
            userId: null,
            userMessageId: randomUUID(),
            assistantMessageId: randomUUID(),
          }),
        ),
      );
    }
    controllers.length = count;
    pending.length = count;
    await settle(collect);
    const before = process.memoryUsage().heapUsed;
    const subscribeStarted = performance.now();
    for (const [index, turnId] of turnIds.entries()) {
      const controller = new AbortController();
      controllers[index] = controller;
      const reader = registry.read(turnId, { after: 0, signal: controller.signal });
      pending[index] = reader[Symbol.asyncIterator]().next();
    }
    while (registry.stats().waitingReaders < count) {
      if (performance.now() - subscribeStarted > 120_000) throw new Error('readers did not park');
      await sleep(20);
    }
    const subscribeMs = performance.now() - subscribeStarted;
    await settle(collect);
    const after = process.memoryUsage().heapUsed;
    const clients = (await admin.client('LIST')) as string;
    const redisConnections = clients
      .split('\n')
      .filter((line) => line.includes(` name=${clientName} `)).length;
    return {
      subscribers: count,
      heapBytesPerSubscriber: (after - before) / count,
      redisConnections,
      registryConnections: registry.stats().connections,
      subscribeMs,
    };
  } finally {
    for (const controller of controllers) controller?.abort();
    await Promise.allSettled(pending);
    await registry.close();
    await deleteKeys(admin, keyPrefix);
  }
}

/** Lets pending callbacks run, then collects garbage until the heap stops shrinking. */
async function settle(collect: () => void): Promise<void> {
  let previous = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round += 1) {
    await sleep(50);
    collect();
    const used = process.memoryUsage().heapUsed;
    if (used >= previous) return;
    previous = used;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `idle subscribers failed: ${error instanceof Error ? error.stack : error}\n`,
  );
  process.exit(1);
});
