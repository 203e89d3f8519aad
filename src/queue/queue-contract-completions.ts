import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../tests/support/wait-for.ts';
import {
  contractTest,
  DeliveryLog,
  newCompletion,
  type TurnQueueFactory,
  withQueue,
} from './queue-contract-support.ts';
import type { OperationCompletion } from './turn-queue.ts';

/**
 * Long enough for a broker to have delivered a completion it should not have. The factories
 * set a short redelivery pause, well inside it.
 */
const quietPeriodMs = 300;

/**
 * `wire`: the adapter carries completions as bytes from other programs (a broker), so it must
 * also cope with bytes that are no completion; an in-process queue only takes typed ones.
 */
export function describeOperationCompletions(create: TurnQueueFactory, wire: boolean): void {
  describe('operation completions', () => {
    contractTest('delivers each completion once, unchanged, across two consumers', () =>
      withQueue(create, async (queue, { createPeer }) => {
        const completions = [
          newCompletion(),
          newCompletion({ result: 'plain text' }),
          { operationId: newCompletion().operationId, success: false, error: 'the build broke' },
          ...Array.from({ length: 20 }, () => newCompletion()),
        ];
        const received: OperationCompletion[] = [];
        const deliveries = new DeliveryLog();
        const peer = createPeer ? await createPeer() : queue;
        const consumers = await Promise.all(
          [queue, peer].map((instance) =>
            instance.consumeOperationCompletions(async (completion) => {
              received.push(completion);
              deliveries.record(completion.operationId);
              await sleep(Math.random() * 3);
            }),
          ),
        );
        for (const completion of completions) await queue.publishOperationCompletion(completion);
        await waitFor(() => deliveries.total >= completions.length);
        await sleep(quietPeriodMs);
        assert.equal(deliveries.total, completions.length, 'no completion is delivered twice');
        for (const completion of completions) {
          assert.deepEqual(
            received.find((delivered) => delivered.operationId === completion.operationId),
            completion,
          );
        }
        await Promise.all(consumers.map((consumer) => consumer.stop()));
      }),
    );

    contractTest('delivers completions published before any consumer existed', () =>
      withQueue(create, async (queue) => {
        const completions = [newCompletion(), newCompletion()];
        for (const completion of completions) await queue.publishOperationCompletion(completion);
        const deliveries = new DeliveryLog();
        await queue.consumeOperationCompletions(async (completion) =>
          deliveries.record(completion.operationId),
        );
        await waitFor(() => deliveries.total === completions.length);
        for (const completion of completions) {
          assert.equal(deliveries.count(completion.operationId), 1);
        }
      }),
    );

    contractTest(
      'redelivers a completion whose handler failed until it succeeds, and keeps consuming',
      () =>
        withQueue(create, async (queue) => {
          const failing = newCompletion();
          const healthy = newCompletion();
          const deliveries = new DeliveryLog();
          let failuresLeft = 2;
          await queue.consumeOperationCompletions(async (completion) => {
            deliveries.record(completion.operationId);
            if (completion.operationId === failing.operationId && failuresLeft > 0) {
              failuresLeft -= 1;
              throw new Error('the store is down');
            }
          });
          await queue.publishOperationCompletion(failing);
          await queue.publishOperationCompletion(healthy);
          await waitFor(() => deliveries.count(failing.operationId) === 3, {
            message: 'delivered again after each failure',
          });
          const later = newCompletion();
          await queue.publishOperationCompletion(later);
          await waitFor(() => deliveries.count(later.operationId) === 1, {
            message: 'the consumer survives its failing handler',
          });
          await sleep(quietPeriodMs);
          assert.equal(deliveries.count(failing.operationId), 3, 'consumed once it succeeded');
          assert.equal(deliveries.count(healthy.operationId), 1);
        }),
    );

    if (!wire) return;

    contractTest('drops a message that is not a completion instead of redelivering it', () =>
      withQueue(create, async (queue, { publishRawCompletion }) => {
        assert.ok(publishRawCompletion, 'an adapter with a wire takes raw messages');
        const deliveries = new DeliveryLog();
        await queue.consumeOperationCompletions(async (completion) =>
          deliveries.record(completion.operationId),
        );
        await publishRawCompletion('not json at all');
        await publishRawCompletion(JSON.stringify({ operation_id: 'x', success: 'yes' }));
        await publishRawCompletion(JSON.stringify({ task_id: 't', success: true }));
        const valid = newCompletion();
        await queue.publishOperationCompletion(valid);
        await waitFor(() => deliveries.count(valid.operationId) === 1);
        await sleep(quietPeriodMs);
        assert.deepEqual(deliveries.order, [valid.operationId], 'only the completion arrives');
      }),
    );

    contractTest('accepts the seed message shape, task_id and nulls included', () =>
      withQueue(create, async (queue, { publishRawCompletion }) => {
        assert.ok(publishRawCompletion, 'an adapter with a wire takes raw messages');
        const received: OperationCompletion[] = [];
        await queue.consumeOperationCompletions(async (completion) => {
          received.push(completion);
        });
        await publishRawCompletion(
          JSON.stringify({
            operation_id: 'op-1',
            task_id: 'task-1',
            success: true,
            result: { rows: 3 },
            error: null,
          }),
        );
        await publishRawCompletion(
          JSON.stringify({ operation_id: 'op-2', task_id: 'task-2', success: false, error: 'no' }),
        );
        await waitFor(() => received.length === 2);
        assert.deepEqual(
          received.sort((left, right) => left.operationId.localeCompare(right.operationId)),
          [
            { operationId: 'op-1', success: true, result: { rows: 3 } },
            { operationId: 'op-2', success: false, error: 'no' },
          ],
        );
      }),
    );

    contractTest('stop waits for running handlers and takes no more completions', () =>
      withQueue(create, async (queue) => {
        const gate = Promise.withResolvers<void>();
        const started: string[] = [];
        const consumer = await queue.consumeOperationCompletions(async (completion) => {
          started.push(completion.operationId);
          await gate.promise;
        });
        const first = newCompletion();
        await queue.publishOperationCompletion(first);
        await waitFor(() => started.length === 1);
        let stopped = false;
        const stopping = consumer.stop().then(() => {
          stopped = true;
        });
        await sleep(quietPeriodMs);
        assert.equal(stopped, false, 'stop waits for the running handler');
        gate.resolve();
        await stopping;
        const later = newCompletion();
        await queue.publishOperationCompletion(later);
        await sleep(quietPeriodMs);
        assert.deepEqual(started, [first.operationId], 'a stopped consumer takes no more');
        const rest = new DeliveryLog();
        await queue.consumeOperationCompletions(async (completion) =>
          rest.record(completion.operationId),
        );
        await waitFor(() => rest.count(later.operationId) === 1, {
          message: 'a new consumer gets what was published meanwhile',
        });
        await sleep(quietPeriodMs);
        assert.equal(rest.count(first.operationId), 0, 'the handled completion was consumed');
      }),
    );
  });
}
