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

/**
 * The Redis Cluster slot of a key (CLUSTER KEYSLOT is not available on a standalone server):
 * CRC16/XMODEM of the hash tag — the text between the first `{` and the next `}` when non-empty —
 * or of the whole key, modulo 16384.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open === -1 ? -1 : key.indexOf('}', open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed, 'utf8')) % 16_384;
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc;
}
