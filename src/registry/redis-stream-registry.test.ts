import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { Redis } from 'ioredis';
import { RedisStreamRegistry } from './redis/redis-stream-registry.ts';
import { runStreamRegistryContract } from './registry-contract.ts';
import { deleteKeys, redisUrl } from '../../tests/support/redis-test-support.ts';

const finishedTurnTtlMs = 400;
const admin = new Redis(redisUrl, { lazyConnect: true });
after(() => admin.quit());

runStreamRegistryContract(
  'Redis',
  async () => {
    const keyPrefix = `dc-test-${randomUUID()}`;
    const registry = await RedisStreamRegistry.connect({
      url: redisUrl,
      keyPrefix,
      finishedTurnTtlMs,
    });
    return {
      registry,
      cleanup: async () => {
        await registry.close();
        await deleteKeys(admin, keyPrefix);
      },
    };
  },
  { finishedTurnTtlMs },
);
