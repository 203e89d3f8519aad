import { Redis } from 'ioredis';
import { deleteKeys } from '../tests/support/redis-test-support.ts';
import { startPrivateRedisCluster } from './private-redis-cluster.ts';
import { startPrivateRedis } from './private-redis.ts';
import { type CommandCounts, readCommandCounts } from './redis-command-stats.ts';

/**
 * The Redis one distributed deployment runs on, as the benchmark sees it: a standalone server or
 * a cluster, whose figures (`INFO commandstats`, `used_memory`) are summed over its masters.
 */
export interface RedisUnderTest {
  kind: 'standalone' | 'cluster';
  /** What the deployment's `REDIS_URL` is (a cluster's seed node). */
  url: string;
  /** The servers that hold data, by port (MONITOR and `ss` look at these). */
  ports: number[];
  /** Private servers, by pid: their CPU is the deployment's. Empty for a shared server. */
  pids: number[];
  /** The server started for the run (exact counts) rather than a shared one. */
  isPrivate: boolean;
  /** Calls per command since the servers started, those inside Lua scripts included. */
  commandCounts(): Promise<CommandCounts>;
  /** `used_memory` in bytes, summed over the masters. */
  usedMemory(): Promise<number>;
  version(): Promise<string>;
  /** Removes every key under `keyPrefix` (a key at a time: cluster keys live on several nodes). */
  deleteKeys(keyPrefix: string): Promise<void>;
  stop(): Promise<void>;
}

/** `sharedUrl` when given (BENCH_REDIS_URL), else a private `redis-server`. */
export async function standaloneRedis(sharedUrl: string | undefined): Promise<RedisUnderTest> {
  const started = sharedUrl ? null : await startPrivateRedis();
  const url = sharedUrl ?? started?.url ?? '';
  const admin = new Redis(url);
  const port = Number(new URL(url).port || 6379);
  return {
    kind: 'standalone',
    url,
    ports: [port],
    pids: started?.process.child.pid === undefined ? [] : [started.process.child.pid],
    isPrivate: started !== null,
    commandCounts: () => readCommandCounts(admin),
    usedMemory: () => usedMemory(admin),
    version: () => version(admin),
    deleteKeys: async (keyPrefix) => void (await deleteKeys(admin, keyPrefix)),
    async stop() {
      admin.disconnect();
      await started?.stop();
    },
  };
}

/** A private three-master Redis Cluster. */
export async function privateCluster(): Promise<RedisUnderTest> {
  const started = await startPrivateRedisCluster();
  const masters = started.cluster.nodes.filter((node) => node.role === 'master');
  const admins = masters.map((node) => new Redis(node.port, node.host));
  return {
    kind: 'cluster',
    url: started.url,
    ports: masters.map((node) => node.port),
    pids: started.pids,
    isPrivate: true,
    commandCounts: () => started.readCommandCounts(),
    usedMemory: () => started.readUsedMemory(),
    version: () => version(admins[0] ?? new Redis(started.url)),
    async deleteKeys(keyPrefix) {
      for (const admin of admins) await deleteKeys(admin, keyPrefix);
    },
    async stop() {
      for (const admin of admins) admin.disconnect();
      await started.stop();
    },
  };
}

async function usedMemory(admin: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1] ?? 0);
}

async function version(admin: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
}
