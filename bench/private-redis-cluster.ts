import { Redis } from 'ioredis';
import { type RedisCluster, startRedisCluster } from '../tests/support/redis-cluster.ts';
import { addCounts, type CommandCounts, readCommandCounts } from './redis-command-stats.ts';

export interface PrivateRedisCluster {
  /** One node's `redis://` address: `REDIS_URL` for a deployment with `REDIS_CLUSTER=true`. */
  url: string;
  cluster: RedisCluster;
  /** The redis-server process of each master, for CPU accounting. */
  pids: number[];
  /**
   * `INFO commandstats` summed over the masters: every command they ran, those inside Lua
   * included. Cluster clients also ask for the slot map (`cluster|slots` and the like); those
   * count too, as they are part of what a deployment costs a cluster.
   */
  readCommandCounts(): Promise<CommandCounts>;
  /** `used_memory` summed over the masters, in bytes. */
  readUsedMemory(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A throw-away Redis Cluster of 3 masters without replicas or persistence, for the benchmark's
 * Redis Cluster rows: counted commands are the benchmark's own (see `private-redis.ts`), summed
 * over the shards.
 */
export async function startPrivateRedisCluster(): Promise<PrivateRedisCluster> {
  // Redis's default node timeout: a master starved of CPU for a moment by the load on this
  // machine must not be marked failing, which with no replica would take its slots down.
  const cluster = await startRedisCluster({ masters: 3, nodeTimeoutMs: 15_000 });
  const masters = cluster.nodes.filter((node) => node.role === 'master');
  const admins = masters.map(
    (node) => new Redis({ host: node.host, port: node.port, maxRetriesPerRequest: 1 }),
  );
  return {
    url: cluster.seedUrl,
    cluster,
    pids: masters.map((node) => node.pid),
    async readCommandCounts() {
      const total: CommandCounts = new Map();
      for (const counts of await Promise.all(admins.map(readCommandCounts))) {
        addCounts(total, counts);
      }
      return total;
    },
    async readUsedMemory() {
      const sections = await Promise.all(admins.map((admin) => admin.info('memory')));
      return sections.reduce(
        (sum, section) => sum + Number(/^used_memory:(\d+)/m.exec(section)?.[1] ?? Number.NaN),
        0,
      );
    },
    async stop() {
      for (const admin of admins) admin.disconnect();
      await cluster.stop();
    },
  };
}
