import type { Redis } from 'ioredis';
import { createRedisKeys } from '../../src/registry/redis/redis-keys.ts';

/** The Redis the tests use: `REDIS_URL`, else the local one. Tests fail (never skip) without it. */
export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/** Deletes every key under `keyPrefix`; returns how many there were. */
export async function deleteKeys(admin: Redis, keyPrefix: string): Promise<number> {
  let deleted = 0;
  for (const key of await listKeys(admin, keyPrefix)) deleted += await admin.del(key);
  return deleted;
}

export async function listKeys(admin: Redis, keyPrefix: string): Promise<string[]> {
  const keys: string[] = [];
  for (const pattern of createRedisKeys(keyPrefix).patterns()) {
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
  }
  return keys;
}

/** The Redis Cluster slot of a key, computed as Redis does (the registry's own function). */
export { keySlot } from '../../src/registry/redis/key-slot.ts';
