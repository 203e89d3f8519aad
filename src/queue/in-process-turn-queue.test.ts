import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { waitFor } from '../../tests/support/wait-for.ts';
import { InProcessTurnQueue, type QueueErrorContext } from './in-process-turn-queue.ts';
import { runTurnQueueContract } from './queue-contract.ts';
import { newJob } from './queue-contract-support.ts';

runTurnQueueContract('in-process', async () => {
  // The contract makes handlers and listeners throw on purpose; keep that out of the test output.
  const queue = new InProcessTurnQueue({ onError: () => {}, completionRedeliveryDelayMs: 20 });
  const peers: InProcessTurnQueue[] = [];
  return {
    queue,
    createPeer: async () => {
      const peer = queue.createPeer({ onError: () => {} });
      peers.push(peer);
      return peer;
    },
    cleanup: async () => {
      await Promise.all([queue, ...peers].map((instance) => instance.close()));
    },
  };
});

describe('InProcessTurnQueue', () => {
  test('reports a throwing handler and a throwing cancel listener with their turn', async () => {
    const reported: [unknown, QueueErrorContext][] = [];
    const queue = new InProcessTurnQueue({
      onError: (error, context) => reported.push([error, context]),
    });
    try {
      const failure = new Error('handler bug');
      const job = newJob();
      await queue.consume(
        async () => {
          throw failure;
        },
        { concurrency: 1 },
      );
      await queue.enqueue(job);
      await waitFor(() => reported.length === 1);
      queue.onCancel(() => {
        throw new Error('listener bug');
      });
      await queue.broadcastCancel('turn-x');
      assert.deepEqual(reported[0], [failure, { turnId: job.turnId, source: 'handler' }]);
      assert.deepEqual(reported[1]?.[1], { turnId: 'turn-x', source: 'cancel-listener' });
    } finally {
      await queue.close();
    }
  });

  test('calls every cancel listener before broadcastCancel resolves', async () => {
    const queue = new InProcessTurnQueue();
    try {
      const heard: string[] = [];
      const listener = (turnId: string) => heard.push(turnId);
      queue.onCancel(listener);
      const unsubscribeSecond = queue.onCancel(listener);
      await queue.broadcastCancel('turn-a');
      assert.deepEqual(heard, ['turn-a', 'turn-a'], 'each subscription is called');
      unsubscribeSecond();
      await queue.broadcastCancel('turn-b');
      assert.deepEqual(heard, ['turn-a', 'turn-a', 'turn-b']);
    } finally {
      await queue.close();
    }
  });

  test('starts a handler after enqueue returns, never inside it', async () => {
    const queue = new InProcessTurnQueue();
    try {
      let started = false;
      await queue.consume(
        async () => {
          started = true;
        },
        { concurrency: 1 },
      );
      const enqueued = queue.enqueue(newJob());
      assert.equal(started, false);
      await enqueued;
      await waitFor(() => started);
    } finally {
      await queue.close();
    }
  });

  test('rejects a concurrency that is not a positive integer', async () => {
    const queue = new InProcessTurnQueue();
    try {
      for (const concurrency of [0, -1, 1.5, Number.NaN]) {
        await assert.rejects(
          queue.consume(async () => {}, { concurrency }),
          RangeError,
        );
      }
    } finally {
      await queue.close();
    }
  });

  test('close waits for running handlers and drops queued jobs', async () => {
    const queue = new InProcessTurnQueue();
    const gate = Promise.withResolvers<void>();
    let started = 0;
    let finished = 0;
    await queue.consume(
      async () => {
        started += 1;
        await gate.promise;
        finished += 1;
      },
      { concurrency: 1 },
    );
    await queue.enqueue(newJob());
    await queue.enqueue(newJob());
    await waitFor(() => started === 1);
    let closed = false;
    const closing = queue.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, false, 'close waits for the running handler');
    gate.resolve();
    await closing;
    assert.equal(finished, 1);
    assert.equal(started, 1, 'the queued second job never ran');
    assert.throws(() => queue.onCancel(() => {}), /closed/);
  });
});
