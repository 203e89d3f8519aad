import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../tests/support/wait-for.ts';
import { describeCancelFanOut } from './queue-contract-cancel.ts';
import { describeOperationCompletions } from './queue-contract-completions.ts';
import { describeCrossInstance } from './queue-contract-peers.ts';
import {
  contractTest,
  DeliveryLog,
  newJob,
  type TurnQueueFactory,
  withQueue,
} from './queue-contract-support.ts';
import type { TurnJob } from './turn-queue.ts';

export type { TurnQueueFactory, TurnQueueUnderTest } from './queue-contract-support.ts';

/** Long enough for a broker to have delivered a job it should not have. */
const quietPeriodMs = 100;

function randomDelay(maxMs: number): Promise<unknown> {
  return sleep(Math.random() * maxMs);
}

/**
 * The one behaviour every TurnQueue adapter must show. `createQueue` is called once per test and
 * must return an isolated queue (its own queue and exchange names for a broker), and a way to
 * attach a second instance to it for the cross-instance cases.
 */
export function runTurnQueueContract(
  adapterName: string,
  createQueue: TurnQueueFactory,
  /** `wire`: completions arrive as bytes from other programs (see `describeOperationCompletions`). */
  options: { wire?: boolean } = {},
): void {
  describe(`TurnQueue contract: ${adapterName}`, () => {
    describeDelivery(createQueue);
    describeCancelFanOut(createQueue);
    describeCrossInstance(createQueue);
    describeConsumerCount(createQueue);
    describeOperationCompletions(createQueue, options.wire === true);
  });
}

function describeDelivery(create: TurnQueueFactory): void {
  describe('delivery', () => {
    contractTest('delivers every one of hundreds of jobs exactly once across two consumers', () =>
      withQueue(create, async (queue) => {
        const jobs = Array.from({ length: 400 }, () => newJob());
        const deliveries = new DeliveryLog();
        const perConsumer = [0, 0];
        const consumers = await Promise.all(
          [3, 2].map((concurrency, index) =>
            queue.consume(
              async (job) => {
                deliveries.record(job.turnId);
                perConsumer[index] = (perConsumer[index] ?? 0) + 1;
                await randomDelay(2);
              },
              { concurrency },
            ),
          ),
        );
        for (const job of jobs) await queue.enqueue(job);
        await waitFor(() => deliveries.total >= jobs.length, { timeoutMs: 10_000 });
        await sleep(quietPeriodMs);
        for (const job of jobs) assert.equal(deliveries.count(job.turnId), 1, job.turnId);
        assert.equal(deliveries.total, jobs.length);
        assert.ok(
          perConsumer.every((count) => count > 0),
          `both consumers work: ${perConsumer}`,
        );
        await Promise.all(consumers.map((consumer) => consumer.stop()));
      }),
    );

    contractTest('hands the job to the handler unchanged', () =>
      withQueue(create, async (queue) => {
        const jobs = [newJob(), newJob({ userId: null })];
        const received: TurnJob[] = [];
        await queue.consume(async (job) => void received.push(job), { concurrency: 1 });
        for (const job of jobs) await queue.enqueue(job);
        await waitFor(() => received.length === 2);
        assert.deepEqual(received, jobs);
      }),
    );

    contractTest('keeps FIFO order for a single consumer with concurrency 1', () =>
      withQueue(create, async (queue) => {
        const jobs = Array.from({ length: 200 }, () => newJob());
        const deliveries = new DeliveryLog();
        for (const job of jobs.slice(0, 100)) await queue.enqueue(job);
        const consumer = await queue.consume(
          async (job) => {
            deliveries.record(job.turnId);
            await randomDelay(1);
          },
          { concurrency: 1 },
        );
        for (const job of jobs.slice(100)) await queue.enqueue(job);
        await waitFor(() => deliveries.total === jobs.length);
        assert.deepEqual(
          deliveries.order,
          jobs.map((job) => job.turnId),
        );
        await consumer.stop();
      }),
    );

    contractTest('never runs more handlers of a consumer at once than its concurrency', () =>
      withQueue(create, async (queue) => {
        const slots = [
          { concurrency: 4, inFlight: 0, most: 0 },
          { concurrency: 2, inFlight: 0, most: 0 },
        ];
        let finished = 0;
        for (let index = 0; index < 120; index += 1) await queue.enqueue(newJob());
        const consumers = await Promise.all(
          slots.map((slot) =>
            queue.consume(
              async () => {
                slot.inFlight += 1;
                slot.most = Math.max(slot.most, slot.inFlight);
                await randomDelay(4);
                slot.inFlight -= 1;
                finished += 1;
              },
              { concurrency: slot.concurrency },
            ),
          ),
        );
        await waitFor(() => finished === 120, { timeoutMs: 10_000 });
        assert.deepEqual(
          slots.map((slot) => slot.most),
          [4, 2],
          'each consumer fills, and never exceeds, its slots',
        );
        await Promise.all(consumers.map((consumer) => consumer.stop()));
      }),
    );

    contractTest('delivers jobs enqueued before any consumer existed', () =>
      withQueue(create, async (queue) => {
        const jobs = Array.from({ length: 5 }, () => newJob());
        for (const job of jobs) await queue.enqueue(job);
        await sleep(quietPeriodMs);
        const deliveries = new DeliveryLog();
        await queue.consume(async (job) => deliveries.record(job.turnId), { concurrency: 2 });
        await waitFor(() => deliveries.total === jobs.length);
        for (const job of jobs) assert.equal(deliveries.count(job.turnId), 1);
      }),
    );

    contractTest('keeps delivering after a handler throws', () =>
      withQueue(create, async (queue) => {
        const jobs = Array.from({ length: 30 }, () => newJob());
        const failing = new Set(
          jobs.filter((_, index) => index % 3 === 0).map((job) => job.turnId),
        );
        const deliveries = new DeliveryLog();
        await queue.consume(
          async (job) => {
            deliveries.record(job.turnId);
            if (failing.has(job.turnId)) throw new Error(`handler failed on ${job.turnId}`);
          },
          { concurrency: 1 },
        );
        for (const job of jobs) await queue.enqueue(job);
        const healthy = jobs.filter((job) => !failing.has(job.turnId));
        await waitFor(() => healthy.every((job) => deliveries.count(job.turnId) === 1));
        for (const turnId of failing) assert.ok(deliveries.count(turnId) >= 1, turnId);
      }),
    );

    contractTest('consumes a job whose handler threw instead of handing it out again', () =>
      withQueue(create, async (queue) => {
        const job = newJob();
        const deliveries = new DeliveryLog();
        await queue.consume(
          async (delivered) => {
            deliveries.record(delivered.turnId);
            throw new Error(`handler failed on ${delivered.turnId}`);
          },
          { concurrency: 2 },
        );
        await queue.enqueue(job);
        await waitFor(() => deliveries.total === 1);
        await sleep(quietPeriodMs * 3);
        assert.equal(deliveries.count(job.turnId), 1);
      }),
    );

    contractTest('stop waits for running handlers, takes no more jobs and loses none', () =>
      withQueue(create, async (queue) => {
        const gates = new Map<string, () => void>();
        const started: string[] = [];
        const consumer = await queue.consume(
          async (job) => {
            started.push(job.turnId);
            await new Promise<void>((resolve) => gates.set(job.turnId, resolve));
          },
          { concurrency: 2 },
        );
        const jobs = Array.from({ length: 3 }, () => newJob());
        for (const job of jobs) await queue.enqueue(job);
        await waitFor(() => gates.size === 2, { message: 'two handlers run' });
        let stopped = false;
        const stopping = consumer.stop().then(() => {
          stopped = true;
        });
        await sleep(quietPeriodMs);
        assert.equal(stopped, false, 'stop waits for the running handlers');
        for (const release of gates.values()) release();
        await stopping;
        const later = [newJob(), newJob()];
        for (const job of later) await queue.enqueue(job);
        await sleep(quietPeriodMs);
        assert.equal(started.length, 2, 'a stopped consumer takes no more jobs');
        const rest = new DeliveryLog();
        await queue.consume(async (job) => rest.record(job.turnId), { concurrency: 1 });
        const pending = [...jobs.filter((job) => !started.includes(job.turnId)), ...later];
        await waitFor(() => rest.total >= pending.length, {
          message: 'a new consumer gets the rest',
        });
        for (const job of pending) assert.equal(rest.count(job.turnId), 1);
      }),
    );

    contractTest('stopping an idle consumer resolves at once and twice is harmless', () =>
      withQueue(create, async (queue) => {
        const consumer = await queue.consume(async () => {}, { concurrency: 1 });
        await consumer.stop();
        await consumer.stop();
      }),
    );

    contractTest('refuses new jobs and consumers once closed', () =>
      withQueue(create, async (queue) => {
        await queue.close();
        await assert.rejects(async () => queue.enqueue(newJob()));
        await assert.rejects(async () => queue.consume(async () => {}, { concurrency: 1 }));
      }),
    );
  });
}

function describeConsumerCount(create: TurnQueueFactory): void {
  describe('consumer count', () => {
    contractTest('counts the consumers of every instance, and none once they stop', () =>
      withQueue(create, async (queue, { createPeer }) => {
        assert.equal(await queue.countConsumers(), 0, 'nobody consumes yet');
        const first = await queue.consume(async () => undefined, { concurrency: 2 });
        await waitFor(async () => (await queue.countConsumers()) === 1);
        const peer = createPeer ? await createPeer() : queue;
        const second = await peer.consume(async () => undefined, { concurrency: 1 });
        await waitFor(async () => (await queue.countConsumers()) === 2);
        await waitFor(async () => (await peer.countConsumers()) === 2);
        await first.stop();
        await waitFor(async () => (await queue.countConsumers()) === 1);
        await second.stop();
        await waitFor(async () => (await queue.countConsumers()) === 0);
      }),
    );
  });
}
