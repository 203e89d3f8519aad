import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBuckets } from './token-bucket.ts';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(milliseconds: number) {
      now += milliseconds;
    },
  };
}

describe('TokenBuckets', () => {
  it('lets a key spend its burst at once, then refuses and says when the next token is back', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ burst: 3, refillPerMinute: 6 }, clock.now);
    for (let take = 0; take < 3; take += 1) assert.deepEqual(buckets.take('a'), { taken: true });
    assert.deepEqual(buckets.take('a'), { taken: false, retryAfterMs: 10_000 });
    clock.advance(4_000);
    assert.deepEqual(buckets.take('a'), { taken: false, retryAfterMs: 6_000 });
  });

  it('refills at the configured rate, and never above the burst', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ burst: 2, refillPerMinute: 60 }, clock.now);
    buckets.take('a');
    buckets.take('a');
    clock.advance(999);
    assert.equal(buckets.take('a').taken, false);
    clock.advance(1);
    assert.equal(buckets.take('a').taken, true);
    assert.equal(buckets.take('a').taken, false);
    // An hour idle refills two tokens, not 3,600.
    clock.advance(3_600_000);
    assert.equal(buckets.take('a').taken, true);
    assert.equal(buckets.take('a').taken, true);
    assert.equal(buckets.take('a').taken, false);
  });

  it('keeps one bucket per key: one caller spending its tokens leaves the others theirs', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ burst: 1, refillPerMinute: 1 }, clock.now);
    assert.equal(buckets.take('a').taken, true);
    assert.equal(buckets.take('a').taken, false);
    assert.equal(buckets.take('b').taken, true);
  });

  it('forgets the buckets that are full again, so many one-off callers do not pile up', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ burst: 5, refillPerMinute: 60 }, clock.now);
    for (let key = 0; key < 2_000; key += 1) buckets.take(`caller-${key}`);
    assert.equal(buckets.size, 2_000);
    // A minute later every bucket is full again: nothing left to remember.
    clock.advance(60_000);
    buckets.take('late-caller');
    assert.equal(buckets.size, 1);
  });

  it('stays correct when the clock goes back (a wall clock adjusted)', () => {
    const clock = manualClock();
    const buckets = new TokenBuckets({ burst: 1, refillPerMinute: 60 }, clock.now);
    assert.equal(buckets.take('a').taken, true);
    clock.advance(-10_000);
    assert.equal(buckets.take('a').taken, false);
    clock.advance(11_000);
    assert.equal(buckets.take('a').taken, true);
  });
});
