import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlushClock } from './flush-clock.ts';

describe('FlushClock', () => {
  it('runs callbacks due within one slot in one timer callback, none before it was due', async () => {
    const started = performance.now();
    // Held still while they are scheduled: on a busy machine the loop below may otherwise cross
    // a slot boundary, and callbacks due at one moment are the case under test.
    const clock = new FlushClock(5, () => started);
    let microtaskRan = false;
    const runs: { index: number; afterMs: number; microtaskRan: boolean }[] = [];
    const all = Array.from(
      { length: 20 },
      (_, index) =>
        new Promise<void>((resolve) => {
          // One delay: due at the same moment, so within one slot wherever the slots fall.
          clock.schedule(10, () => {
            runs.push({ index, afterMs: performance.now() - started, microtaskRan });
            queueMicrotask(() => (microtaskRan = true));
            resolve();
          });
        }),
    );
    await Promise.all(all);
    assert.equal(runs.length, 20);
    assert.ok(
      runs.every((run) => !run.microtaskRan),
      'nothing ran between them: their commands leave in one pipelined write',
    );
    // Node's timers count whole milliseconds from the event loop's cached clock: a hair early is
    // their granularity, not an early slot.
    for (const run of runs) assert.ok(run.afterMs >= 9, `callback ${run.index} ran early`);
  });

  it('a cancelled callback never runs, and the others of its slot still do', async () => {
    const clock = new FlushClock(2);
    const ran: string[] = [];
    const cancelFirst = clock.schedule(5, () => ran.push('first'));
    clock.schedule(5, () => ran.push('second'));
    const cancelLone = clock.schedule(30, () => ran.push('lone'));
    cancelFirst();
    cancelLone();
    await sleep(60);
    assert.deepEqual(ran, ['second']);
  });
});
