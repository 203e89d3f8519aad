/** Milliseconds since some fixed origin; injected so tests control time. */
export type Clock = () => number;

export interface TokenBucketSettings {
  /** Tokens a key holds when full: what it may spend at once. */
  burst: number;
  /** Tokens each key gets back per minute, up to `burst`. */
  refillPerMinute: number;
}

export type TakeResult = { taken: true } | { taken: false; retryAfterMs: number };

/**
 * One token bucket per key, in this process's memory. Buckets are created full on first use and
 * forgotten once full again, so the map holds only keys that spent tokens lately.
 */
export class TokenBuckets {
  readonly #settings: TokenBucketSettings;
  readonly #clock: Clock;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(settings: TokenBucketSettings, clock: Clock = Date.now) {
    this.#settings = settings;
    this.#clock = clock;
  }

  /** Takes one token of `key`'s bucket, or says how long until one is back. */
  take(key: string): TakeResult {
    const now = this.#clock();
    this.#forgetFullBuckets(now);
    const { burst, refillPerMinute } = this.#settings;
    const tokens = this.#tokensAt(key, now);
    if (tokens < 1) {
      return { taken: false, retryAfterMs: Math.ceil(((1 - tokens) * 60_000) / refillPerMinute) };
    }
    this.#buckets.set(key, { tokens: Math.min(burst, tokens) - 1, at: now });
    return { taken: true };
  }

  /** Keys held in memory (for tests of the clean-up). */
  get size(): number {
    return this.#buckets.size;
  }

  #tokensAt(key: string, now: number): number {
    const bucket = this.#buckets.get(key);
    if (!bucket) return this.#settings.burst;
    const refilled = ((now - bucket.at) * this.#settings.refillPerMinute) / 60_000;
    return Math.min(this.#settings.burst, bucket.tokens + Math.max(0, refilled));
  }

  #forgetFullBuckets(now: number): void {
    // At most one sweep a minute, and only once many keys are held: the map stays bounded by the
    // callers active lately without a scan on every request.
    if (this.#buckets.size < 1024 || now - this.#sweptAt < 60_000) return;
    this.#sweptAt = now;
    for (const key of this.#buckets.keys()) {
      if (this.#tokensAt(key, now) >= this.#settings.burst) this.#buckets.delete(key);
    }
  }
}
