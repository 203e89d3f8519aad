/**
 * Every key the Redis registry touches. A turn's keys share the hash tag `{<prefix>:turn:<id>}`,
 * so they live in one Redis Cluster slot and the per-turn scripts (append, claim, cancel, lease)
 * stay single-slot. Opening and publishing a turn also touch the session pointer and the active
 * index in ONE script (nothing may slip between them), so those two scripts need every key on one
 * node: a standalone Redis or a single-shard deployment.
 */
export interface RedisKeys {
  /** Hash: the turn's state (status, positions, lease, ids). */
  turnMeta(turnId: string): string;
  /** Stream: one entry per chunk (`<position>-0`) and the terminal entry (`<last position>-1`). */
  turnStream(turnId: string): string;
  /** String: the id of the session's running or closing turn. */
  sessionActiveTurn(sessionId: string): string;
  /** Hash: turn id → session id of every running or closing turn (for the sweeper). */
  activeTurns(): string;
  lock(name: string): string;
  /** A stream only this registry instance reads, written to wake its blocked XREAD. */
  readerWakeUp(instanceId: string): string;
  /** Globs that together match exactly the keys under the prefix (for cleanup). */
  patterns(): string[];
}

export function createRedisKeys(prefix: string): RedisKeys {
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(prefix)) {
    // Braces would break the hash tags; spaces and globs would break CLIENT SETNAME and cleanup.
    throw new RangeError('keyPrefix must be 1-64 characters of A-Z, a-z, 0-9, ":", "_", ".", "-"');
  }
  const turn = (turnId: string) => `{${prefix}:turn:${turnId}}`;
  return {
    turnMeta: (turnId) => `${turn(turnId)}:meta`,
    turnStream: (turnId) => `${turn(turnId)}:stream`,
    sessionActiveTurn: (sessionId) => `${prefix}:session:${sessionId}:active-turn`,
    activeTurns: () => `${prefix}:active-turns`,
    lock: (name) => `${prefix}:lock:${name}`,
    readerWakeUp: (instanceId) => `${prefix}:reader-wake-up:${instanceId}`,
    patterns: () => [`{${prefix}:*`, `${prefix}:*`],
  };
}
