import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { MemoryStreamRegistry } from '../registry/memory-stream-registry.ts';
import type { RedisConnection } from '../registry/redis/redis-connections.ts';
import { RedisStreamRegistry } from '../registry/redis/redis-stream-registry.ts';
import type { StreamRegistry } from '../registry/stream-registry.ts';

/**
 * Redis when REDIS_URL is set (keys under KEY_PREFIX; a cluster with REDIS_CLUSTER), else the in-memory registry. `redis` is
 * the Redis registry's command connection, for other state shared through that Redis.
 */
export async function openStreamRegistry(
  config: Config,
  logger: Logger,
): Promise<{ registry: StreamRegistry; description: string; redis: RedisConnection | null }> {
  if (config.redisUrl) {
    const registry = await RedisStreamRegistry.connect({
      url: config.redisUrl,
      cluster: config.redisCluster,
      bucketCount: config.redisKeyBuckets,
      keyPrefix: config.keyPrefix,
      finishedTurnTtlMs: config.finishedTurnTtlMs,
      onError: (error) => logger.warn({ err: error }, 'stream registry connection error'),
    });
    return {
      registry,
      description: `${config.redisCluster ? 'Redis Cluster' : 'Redis'} at ${new URL(config.redisUrl).host}`,
      redis: registry.commandConnection,
    };
  }
  const registry = new MemoryStreamRegistry({ finishedTurnTtlMs: config.finishedTurnTtlMs });
  return { registry, description: 'in-memory registry', redis: null };
}
