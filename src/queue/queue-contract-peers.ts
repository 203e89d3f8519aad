import assert from 'node:assert/strict';
import { describe, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../tests/support/wait-for.ts';
import {
  contractTest,
  DeliveryLog,
  newJob,
  type TurnQueueFactory,
  withQueue,
} from './queue-contract-support.ts';
import type { TurnQueue } from './turn-queue.ts';

const noPeerReason = 'the adapter offers no second instance on the same queue';

/** Runs `body` with two instances of one queue, as two processes would have, or skips. */
function withPeers(
  create: TurnQueueFactory,
  context: TestContext,
  body: (first: TurnQueue, second: TurnQueue) => Promise<void>,
): Promise<void> {
  return withQueue(create, async (queue, { createPeer }) => {
    if (!createPeer) {
      context.skip(noPeerReason);
      return;
    }
    await body(queue, await createPeer());
  });
}

function pickAtRandom<T>(items: readonly [T, T]): T {
  return items[Math.random() < 0.5 ? 0 : 1];
}

/** Behaviour across instances: the guarantees that make a second process worth running. */
export function describeCrossInstance(create: TurnQueueFactory): void {
  describe('across instances', () => {
    contractTest('jobs enqueued on one instance reach consumers of the other', (context) =>
      withPeers(create, context, async (first, second) => {
        const deliveries = new DeliveryLog();
        const consumer = await second.consume(async (job) => deliveries.record(job.turnId), {
          concurrency: 3,
        });
        const jobs = Array.from({ length: 50 }, () => newJob());
        for (const job of jobs) await first.enqueue(job);
        await waitFor(() => deliveries.total >= jobs.length);
        await sleep(100);
        for (const job of jobs) assert.equal(deliveries.count(job.turnId), 1, job.turnId);
        assert.equal(deliveries.total, jobs.length);
        await consumer.stop();
      }),
    );

    contractTest(
      'delivers each job exactly once when both instances enqueue and consume at random',
      (context) =>
        withPeers(create, context, async (first, second) => {
          const deliveries = new DeliveryLog();
          const perInstance = [0, 0];
          const enqueuedOn = new Map<string, TurnQueue>();
          let crossed = 0;
          const consumers = await Promise.all(
            [first, second].map((instance, index) =>
              instance.consume(
                async (job) => {
                  deliveries.record(job.turnId);
                  perInstance[index] = (perInstance[index] ?? 0) + 1;
                  if (enqueuedOn.get(job.turnId) !== instance) crossed += 1;
                  await sleep(Math.random() * 3);
                },
                { concurrency: 2 },
              ),
            ),
          );
          const jobs = Array.from({ length: 200 }, () => newJob());
          await Promise.all(
            [0, 1, 2, 3].map(async (lane) => {
              for (const job of jobs.filter((_, index) => index % 4 === lane)) {
                const instance = pickAtRandom([first, second]);
                enqueuedOn.set(job.turnId, instance);
                await instance.enqueue(job);
              }
            }),
          );
          await waitFor(() => deliveries.total >= jobs.length, { timeoutMs: 10_000 });
          await sleep(100);
          for (const job of jobs) assert.equal(deliveries.count(job.turnId), 1, job.turnId);
          assert.equal(deliveries.total, jobs.length);
          assert.ok(
            perInstance.every((count) => count > 0),
            `both instances work: ${perInstance}`,
          );
          assert.ok(crossed > 0, 'jobs travel from one instance to the other');
          await Promise.all(consumers.map((consumer) => consumer.stop()));
        }),
    );

    contractTest(
      'a cancel broadcast from either instance reaches the listeners of both',
      (context) =>
        withPeers(create, context, async (first, second) => {
          const heard: [string[], string[]] = [[], []];
          first.onCancel((turnId) => heard[0].push(turnId));
          second.onCancel((turnId) => heard[1].push(turnId));
          const sent: string[] = [];
          for (let round = 0; round < 20; round += 1) {
            const { turnId } = newJob();
            sent.push(turnId);
            await pickAtRandom([first, second]).broadcastCancel(turnId);
          }
          await waitFor(() => heard.every((received) => received.length >= sent.length));
          await sleep(50);
          for (const received of heard) assert.deepEqual(received, sent);
        }),
    );

    contractTest(
      'a cancel broadcast before its job starts is heard by the instance that runs the job',
      (context) =>
        withPeers(create, context, async (first, second) => {
          const heardBySecond = new Set<string>();
          second.onCancel((turnId) => heardBySecond.add(turnId));
          const ran: string[] = [];
          const job = newJob();
          await first.broadcastCancel(job.turnId);
          await first.enqueue(job);
          const consumer = await second.consume(
            async (delivered) => {
              ran.push(delivered.turnId);
              // As an executor does: a cancel may arrive just after the job, so wait for it.
              await waitFor(() => heardBySecond.has(delivered.turnId), {
                message: 'the early cancel was heard',
              });
            },
            { concurrency: 1 },
          );
          await waitFor(() => ran.length === 1 && heardBySecond.has(job.turnId));
          assert.deepEqual(ran, [job.turnId]);
          await consumer.stop();
        }),
    );

    contractTest(
      'a closing instance still hears the cancel its running handler waits for',
      (context) =>
        withPeers(create, context, async (first, second) => {
          const job = newJob();
          const running = new Map<string, () => void>();
          first.onCancel((turnId) => running.get(turnId)?.());
          await first.consume(
            (delivered) => new Promise<void>((resolve) => running.set(delivered.turnId, resolve)),
            { concurrency: 1 },
          );
          await second.enqueue(job);
          await waitFor(() => running.has(job.turnId), { message: 'the job runs on the first' });
          let closed = false;
          const closing = first.close().then(() => {
            closed = true;
          });
          try {
            await sleep(50);
            assert.equal(closed, false, 'close waits for the running handler');
            await second.broadcastCancel(job.turnId);
            await waitFor(() => closed, { message: 'the cancel ended the handler, so close' });
          } finally {
            for (const release of running.values()) release();
            await closing;
          }
        }),
    );

    contractTest('a closed instance leaves its share of the work to the other', (context) =>
      withPeers(create, context, async (first, second) => {
        const deliveries = new DeliveryLog();
        const heardByFirst: string[] = [];
        const heardBySecond: string[] = [];
        first.onCancel((turnId) => heardByFirst.push(turnId));
        second.onCancel((turnId) => heardBySecond.push(turnId));
        await first.consume(async () => {}, { concurrency: 2 });
        await first.close();
        const secondConsumer = await second.consume(async (job) => deliveries.record(job.turnId), {
          concurrency: 2,
        });
        const jobs = Array.from({ length: 20 }, () => newJob());
        for (const job of jobs) await second.enqueue(job);
        await second.broadcastCancel(newJob().turnId);
        await waitFor(() => deliveries.total >= jobs.length && heardBySecond.length === 1);
        for (const job of jobs) assert.equal(deliveries.count(job.turnId), 1, job.turnId);
        assert.deepEqual(heardByFirst, [], 'a closed instance hears no cancels');
        await secondConsumer.stop();
      }),
    );
  });
}
