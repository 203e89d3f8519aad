import type { Context } from 'hono';
import type { CallerLimitSettings } from '../config.ts';
import { ApiError } from './api-error.ts';
import type { Caller } from './authenticator.ts';
import { type Clock, TokenBuckets } from './token-bucket.ts';
import { isVisitorUserId } from './visitor-key.ts';

/** A refused stream may retry once some answer has ended; answers take seconds. */
const streamRetryAfterSeconds = 5;

/**
 * The per-caller limits of ONE API process, held in its memory: with N API processes behind a
 * load balancer a caller may get up to N times as much (a balancer with sticky sessions keeps
 * it at one). A caller is its user id when it has one, else its IP address (visitors included).
 */
export class CallerLimits {
  readonly #settings: CallerLimitSettings;
  readonly #sessionCreations: TokenBuckets;
  readonly #openStreams = new Map<string, number>();

  constructor(settings: CallerLimitSettings, clock: Clock = Date.now) {
    this.#settings = settings;
    this.#sessionCreations = new TokenBuckets(
      { burst: settings.sessionCreateBurst, refillPerMinute: settings.sessionCreatePerMinute },
      clock,
    );
  }

  /**
   * Who the limits count against: the signed-in user, or else the client's address. A visitor
   * key counts as its address too: anyone can mint one, so a fresh key must not be a fresh quota.
   */
  callerKey(context: Context, caller: Caller): string {
    if (caller.userId !== null && !isVisitorUserId(caller.userId)) return `user:${caller.userId}`;
    return `address:${clientAddress(context, this.#settings.trustProxyHops)}`;
  }

  /** Spends one session creation of `key`; 429 `RATE_LIMITED` when its bucket is empty. */
  takeSessionCreation(key: string): void {
    if (this.#settings.sessionCreateBurst === 0) return;
    const result = this.#sessionCreations.take(key);
    if (!result.taken) {
      throw new ApiError('RATE_LIMITED', undefined, undefined, {
        retryAfterSeconds: Math.max(1, Math.ceil(result.retryAfterMs / 1000)),
      });
    }
  }

  /**
   * Holds one of `key`'s stream slots until the returned release is called (more than once is
   * harmless); 429 `TOO_MANY_STREAMS` when all are held.
   */
  reserveStream(key: string): () => void {
    const limit = this.#settings.maxStreamsPerCaller;
    if (limit === 0) return () => undefined;
    const open = this.#openStreams.get(key) ?? 0;
    if (open >= limit) {
      throw new ApiError('TOO_MANY_STREAMS', undefined, undefined, {
        retryAfterSeconds: streamRetryAfterSeconds,
      });
    }
    this.#openStreams.set(key, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.#openStreams.get(key) ?? 1) - 1;
      if (remaining <= 0) this.#openStreams.delete(key);
      else this.#openStreams.set(key, remaining);
    };
  }
}

/**
 * The client's IP address: the socket's peer, or with `trustProxyHops` proxies of ours in front,
 * the X-Forwarded-For entry the outermost of them added (entries further left are the client's
 * word, and anyone can write them). In-process requests (tests) have no socket: "unknown".
 */
function clientAddress(context: Context, trustProxyHops: number): string {
  if (trustProxyHops > 0) {
    const forwarded = (context.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const entry = forwarded[Math.max(0, forwarded.length - trustProxyHops)];
    if (entry !== undefined) return entry;
  }
  const bindings = context.env as
    { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return bindings?.incoming?.socket?.remoteAddress ?? 'unknown';
}
