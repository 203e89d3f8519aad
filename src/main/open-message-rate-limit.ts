import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { MessageRateLimit } from '../api/message-rate-limit.ts';
import type { MessageRateSettings } from '../config.ts';
import type { RedisConnection } from '../registry/redis/redis-connections.ts';

/**
 * The message rate limit of `settings` (none when null): in `redis` under `<keyPrefix>:message-rate:`
 * when the registry is Redis, so all API processes share one counter per caller, else in memory.
 *
 * `rate-limiter-flexible` counts fixed windows, not a token bucket: `burst` messages per window of
 * `burst / perMinute` minutes (whole seconds, rounded up) averages at most `perMinute`, and lets
 * `burst` go at once. Its Redis counter is one atomic INCR with expiry per message, timed by
 * Redis's clock, so processes with drifting clocks still agree.
 */
export function openMessageRateLimit(
  settings: MessageRateSettings | null,
  redis: { connection: RedisConnection; keyPrefix: string } | null,
): MessageRateLimit {
  if (!settings) return new MessageRateLimit(null);
  const window = {
    points: settings.burst,
    duration: Math.max(1, Math.ceil((settings.burst * 60) / settings.perMinute)),
  };
  return new MessageRateLimit(
    redis
      ? new RateLimiterRedis({
          ...window,
          storeClient: redis.connection,
          keyPrefix: `${redis.keyPrefix}:message-rate`,
        })
      : new RateLimiterMemory(window),
  );
}
