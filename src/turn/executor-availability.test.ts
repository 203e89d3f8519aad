import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { InProcessTurnQueue } from '../queue/in-process-turn-queue.ts';
import { QueueUnavailableError } from '../queue/turn-queue.ts';
import { ExecutorAvailability } from './executor-availability.ts';

describe('ExecutorAvailability', () => {
  const logger = pino({ level: 'silent' });

  it('says since when no executor consumes, and forgets it when one is back', async () => {
    const queue = new InProcessTurnQueue();
    let clock = 1_000;
    const availability = new ExecutorAvailability({ queue, logger, cacheMs: 0, now: () => clock });
    try {
      assert.equal(await availability.isAvailable(), false);
      assert.equal(await availability.unavailableSince(), 1_000);
      clock = 5_000;
      assert.equal(await availability.unavailableSince(), 1_000, 'since it was first seen gone');
      const consumer = await queue.consume(async () => undefined, { concurrency: 1 });
      assert.equal(await availability.isAvailable(), true);
      assert.equal(await availability.unavailableSince(), null);
      await consumer.stop();
      clock = 9_000;
      assert.equal(await availability.unavailableSince(), 9_000, 'gone again: a new period');
    } finally {
      await queue.close();
    }
  });

  it('asks the queue at most once per cache period, however many callers ask', async () => {
    let checks = 0;
    let clock = 0;
    const queue = new InProcessTurnQueue();
    const counting = Object.assign(Object.create(queue) as InProcessTurnQueue, {
      countConsumers: async () => {
        checks += 1;
        return 1;
      },
    });
    const availability = new ExecutorAvailability({
      queue: counting,
      logger,
      cacheMs: 1_000,
      now: () => clock,
    });
    await Promise.all(Array.from({ length: 20 }, () => availability.isAvailable()));
    assert.equal(checks, 1);
    clock = 999;
    await availability.isAvailable();
    assert.equal(checks, 1);
    clock = 1_000;
    await availability.isAvailable();
    assert.equal(checks, 2);
    await queue.close();
  });

  it('asks again at once while no executor is there, so one that comes back is seen', async () => {
    let consumers = 0;
    let checks = 0;
    const queue = new InProcessTurnQueue();
    const counting = Object.assign(Object.create(queue) as InProcessTurnQueue, {
      countConsumers: async () => {
        checks += 1;
        return consumers;
      },
    });
    const availability = new ExecutorAvailability({
      queue: counting,
      logger,
      cacheMs: 60_000,
      now: () => 0,
    });
    assert.equal(await availability.isAvailable(), false);
    consumers = 1;
    assert.equal(await availability.isAvailable(), true);
    assert.equal(await availability.isAvailable(), true);
    assert.equal(checks, 2);
    await queue.close();
  });

  it('keeps its last answer while the queue cannot be asked (a broker restart is no outage)', async () => {
    let broken = false;
    let clock = 0;
    const queue = new InProcessTurnQueue();
    const flaky = Object.assign(Object.create(queue) as InProcessTurnQueue, {
      countConsumers: async () => {
        if (broken) throw new QueueUnavailableError('down');
        return 1;
      },
    });
    const availability = new ExecutorAvailability({
      queue: flaky,
      logger,
      cacheMs: 0,
      now: () => clock,
    });
    assert.equal(await availability.isAvailable(), true);
    broken = true;
    clock = 60_000;
    assert.equal(await availability.isAvailable(), true);
    assert.equal(await availability.unavailableSince(), null);
    await queue.close();
  });
});
