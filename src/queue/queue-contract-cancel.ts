import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { waitFor } from '../../tests/support/wait-for.ts';
import {
  contractTest,
  newJob,
  type TurnQueueFactory,
  withQueue,
} from './queue-contract-support.ts';

export function describeCancelFanOut(create: TurnQueueFactory): void {
  describe('cancel fan-out', () => {
    contractTest('a cancel broadcast reaches every listener, as it must reach every executor', () =>
      withQueue(create, async (queue) => {
        const heard: string[][] = [[], [], []];
        for (const received of heard) queue.onCancel((turnId) => received.push(turnId));
        const { turnId } = newJob();
        await queue.broadcastCancel(turnId);
        await waitFor(() => heard.every((received) => received.length > 0));
        const other = newJob().turnId;
        await queue.broadcastCancel(other);
        await waitFor(() => heard.every((received) => received.length > 1));
        for (const received of heard) assert.deepEqual(received, [turnId, other]);
      }),
    );

    contractTest('reaches listeners while a consumer is busy with that very turn', () =>
      withQueue(create, async (queue) => {
        const job = newJob();
        const running = new Map<string, AbortController>();
        queue.onCancel((turnId) => running.get(turnId)?.abort());
        const consumer = await queue.consume(
          async (delivered) => {
            const controller = new AbortController();
            running.set(delivered.turnId, controller);
            await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
            running.delete(delivered.turnId);
          },
          { concurrency: 1 },
        );
        await queue.enqueue(job);
        await waitFor(() => running.has(job.turnId), { message: 'the job is running' });
        await queue.broadcastCancel(job.turnId);
        await waitFor(() => !running.has(job.turnId), { message: 'the cancel ended the handler' });
        await consumer.stop();
      }),
    );

    contractTest('an unsubscribed listener hears no further cancels', () =>
      withQueue(create, async (queue) => {
        const left: string[] = [];
        const right: string[] = [];
        const unsubscribe = queue.onCancel((turnId) => left.push(turnId));
        queue.onCancel((turnId) => right.push(turnId));
        const first = newJob().turnId;
        await queue.broadcastCancel(first);
        await waitFor(() => left.length === 1 && right.length === 1);
        unsubscribe();
        const second = newJob().turnId;
        const third = newJob().turnId;
        await queue.broadcastCancel(second);
        await queue.broadcastCancel(third);
        await waitFor(() => right.length === 3);
        assert.deepEqual(left, [first]);
        assert.deepEqual(right, [first, second, third]);
      }),
    );

    contractTest('a throwing listener does not keep the other listeners from hearing', () =>
      withQueue(create, async (queue) => {
        const heard: string[] = [];
        queue.onCancel(() => {
          throw new Error('listener bug');
        });
        queue.onCancel((turnId) => heard.push(turnId));
        const { turnId } = newJob();
        await queue.broadcastCancel(turnId);
        await waitFor(() => heard.length === 1);
        assert.deepEqual(heard, [turnId]);
      }),
    );
  });
}
