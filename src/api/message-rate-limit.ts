import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { ApiError } from './api-error.ts';

/** The one call of a `rate-limiter-flexible` limiter this uses (Redis or memory). */
export type MessageRateLimiter = Pick<RateLimiterAbstract, 'consume'>;

/**
 * The per-caller message rate (`MESSAGES_PER_MINUTE`, `MESSAGE_BURST`): a `rate-limiter-flexible`
 * limiter in Redis when the deployment has one, so every API process spends from the same
 * counter, else in this process's memory (embedded: there is only one). Null: no limit.
 */
export class MessageRateLimit {
  readonly #limiter: MessageRateLimiter | null;

  constructor(limiter: MessageRateLimiter | null) {
    this.#limiter = limiter;
  }

  /**
   * Spends one message of `callerKey` (see `CallerLimits.callerKey`); 429 `MESSAGE_RATE_LIMITED`
   * with `Retry-After` when its window is spent. A store that cannot be reached rejects with its
   * own error (a 503, like any backing service down).
   */
  async take(callerKey: string): Promise<void> {
    if (!this.#limiter) return;
    try {
      await this.#limiter.consume(callerKey);
    } catch (error) {
      // The library rejects with a RateLimiterRes when the points are spent, an Error otherwise.
      if (!(error instanceof RateLimiterRes)) throw error;
      throw new ApiError('MESSAGE_RATE_LIMITED', undefined, undefined, {
        retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
      });
    }
  }
}
