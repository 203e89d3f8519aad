import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ApiError } from '../api/api-error.ts';
import type { MessageRateLimit } from '../api/message-rate-limit.ts';
import { openMessageRateLimit } from './open-message-rate-limit.ts';

/** The Retry-After of a refused take, or null when the message was let through. */
async function retryAfterOf(limit: MessageRateLimit, key: string): Promise<number | null> {
  try {
    await limit.take(key);
    return null;
  } catch (error) {
    assert.ok(error instanceof ApiError && error.code === 'MESSAGE_RATE_LIMITED', String(error));
    assert.equal(error.status, 429);
    return error.retryAfterSeconds ?? Number.NaN;
  }
}

describe('openMessageRateLimit in memory (embedded mode)', () => {
  // The library reads Date.now and expires windows with setTimeout: both are the test's clock.
  beforeEach(() => mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('lets nothing be refused without settings', async () => {
    const limit = openMessageRateLimit(null, null);
    for (let index = 0; index < 1000; index += 1)
      assert.equal(await retryAfterOf(limit, 'a'), null);
  });

  it('lets a burst through at once, then refuses until its window of burst / rate minutes ends', async () => {
    const limit = openMessageRateLimit({ perMinute: 10, burst: 5 }, null);
    for (let index = 0; index < 5; index += 1) assert.equal(await retryAfterOf(limit, 'a'), null);
    assert.equal(await retryAfterOf(limit, 'a'), 30, 'five per window of thirty seconds');
    assert.equal(await retryAfterOf(limit, 'b'), null, 'each caller has a window of its own');
    mock.timers.tick(20_000);
    assert.equal(await retryAfterOf(limit, 'a'), 10);
    mock.timers.tick(10_000);
    assert.equal(await retryAfterOf(limit, 'a'), null, 'a new window, a new burst');
  });

  it('rounds a window shorter than a second up to one second', async () => {
    const limit = openMessageRateLimit({ perMinute: 600, burst: 1 }, null);
    assert.equal(await retryAfterOf(limit, 'a'), null);
    assert.equal(await retryAfterOf(limit, 'a'), 1);
    mock.timers.tick(1000);
    assert.equal(await retryAfterOf(limit, 'a'), null);
  });
});
