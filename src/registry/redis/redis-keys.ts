import { clusterSlotCount, keySlot } from './key-slot.ts';

/**
 * Every key the Redis registry touches, laid out for Redis Cluster: keys live in `bucketCount`
 * buckets, each a hash tag of its own, so each bucket is one cluster slot. A turn's keys (state
 * hash, chunk stream) and the active-turn index of its bucket share the turn's bucket (by its id),
 * so every per-turn script is single-slot; a session's pointer lives in the session's bucket (by
 * its id), and the scripts that touch it touch nothing else. Opening and ending a turn therefore
 * take two single-slot steps (see `redis-stream-registry.ts`), never one cross-slot script.
 *
 * The tags are chosen so the buckets' slots are spread evenly over 0–16383 (bucket b's slot lies
 * in the b-th of `bucketCount` equal ranges), so masters holding contiguous slot ranges, as
 * `redis-cli --cluster create` assigns them, get equal shares of the buckets. On a standalone
 * Redis the layout costs nothing.
 */
export interface RedisKeys {
  /** How many buckets; every process of a deployment must use the same number. */
  readonly bucketCount: number;
  /** The bucket of a turn or session id. */
  bucketOf(id: string): number;
  /** Hash: the turn's state (status, lease, ids; the last position once ended). */
  turnMeta(turnId: string): string;
  /**
   * Stream: `0-1` marks the opening; then one entry per append (`<last position>-0`, holding the
   * chunks from position `p` on); the terminal entry is `<max>-1` (see `stream-ids.ts`).
   */
  turnStream(turnId: string): string;
  /** String: the id of the session's running or closing turn. */
  sessionActiveTurn(sessionId: string): string;
  /** Hash: turn id → session id of every running or closing turn of a bucket (for the sweeper). */
  activeTurns(bucket: number): string;
  lock(name: string): string;
  /** A stream only one reader loop reads, written to wake its blocked XREAD; in `bucket`'s slot. */
  readerWakeUp(instanceId: string, bucket: number): string;
  /** Globs that together match exactly the keys under the prefix (for cleanup). */
  patterns(): string[];
}

export const defaultBucketCount = 16;

export function createRedisKeys(prefix: string, bucketCount = defaultBucketCount): RedisKeys {
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) {
    // Braces would break the hash tags; spaces and globs would break CLIENT SETNAME and cleanup.
    throw new RangeError('keyPrefix must be 1-64 characters of A-Z, a-z, 0-9, ":", "_", ".", "-"');
  }
  if (!Number.isInteger(bucketCount) || bucketCount < 1 || bucketCount > 1024) {
    throw new RangeError('bucketCount must be an integer from 1 to 1024');
  }
  const tags = Array.from({ length: bucketCount }, (_, bucket) =>
    spreadTag(prefix, bucket, bucketCount),
  );
  const bucketOf = (id: string) => fnv1a(id) % bucketCount;
  const turn = (turnId: string) => `{${tags[bucketOf(turnId)]}}:turn:${turnId}`;
  return {
    bucketCount,
    bucketOf,
    turnMeta: (turnId) => `${turn(turnId)}:meta`,
    turnStream: (turnId) => `${turn(turnId)}:stream`,
    sessionActiveTurn: (sessionId) =>
      `{${tags[bucketOf(sessionId)]}}:session:${sessionId}:active-turn`,
    activeTurns: (bucket) => `{${tags[bucket]}}:active-turns`,
    lock: (name) => `${prefix}:lock:${name}`,
    readerWakeUp: (instanceId, bucket) => `{${tags[bucket]}}:reader-wake-up:${instanceId}`,
    patterns: () => [`{${prefix}:*`, `${prefix}:*`],
  };
}

/** `<prefix>:<bucket>:<n>` with the smallest n whose slot lies in the bucket's share of slots. */
function spreadTag(prefix: string, bucket: number, bucketCount: number): string {
  const low = Math.floor((bucket * clusterSlotCount) / bucketCount);
  const high = Math.floor(((bucket + 1) * clusterSlotCount) / bucketCount);
  for (let attempt = 0; ; attempt += 1) {
    const tag = `${prefix}:${bucket}:${attempt}`;
    const slot = keySlot(`{${tag}}`);
    if (slot >= low && slot < high) return tag;
  }
}

/** FNV-1a, 32 bits: a cheap, stable spread of ids over buckets (not for security). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
