import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from '../../tests/support/wait-for.ts';
import { runTurnQueueContract } from './queue-contract.ts';
import { DeliveryLog, newCompletion, newJob } from './queue-contract-support.ts';
import {
  amqpUrl,
  isolated,
  type Names,
  options,
  publishRawCompletion,
  queueCounts,
  uniqueNames,
  withBroker,
} from '../../tests/support/rabbitmq-test-support.ts';
import {
  defaultOperationCompletionExchangeName,
  defaultOperationCompletionQueueName,
  operationCompletionRoutingKey,
} from './rabbitmq/rabbitmq-topology.ts';
import { RabbitMqTurnQueue } from './rabbitmq/rabbitmq-turn-queue.ts';
import { encodeTurnJob, maxCarryingJobBytes } from './rabbitmq/turn-job-message.ts';
import { TcpFaultProxy } from '../../tests/support/tcp-fault-proxy.ts';
import { QueueUnavailableError, type TurnJob } from './turn-queue.ts';
import type { Conversation } from '../store/chat-store.ts';

runTurnQueueContract(
  'RabbitMQ',
  async () => {
    const { names, open, cleanup } = isolated();
    return {
      queue: await open(),
      createPeer: () => open(),
      publishRawCompletion: (content) => publishRawCompletion(names, content),
      cleanup,
    };
  },
  { wire: true },
);

describe('RabbitMqTurnQueue', () => {
  let proxy: TcpFaultProxy;
  let proxiedUrl: string;
  before(async () => {
    const target = new URL(amqpUrl);
    proxy = await TcpFaultProxy.start({ host: target.hostname, port: Number(target.port || 5672) });
    target.port = String(proxy.port);
    proxiedUrl = target.toString();
  });
  after(() => proxy.close());

  test('stores jobs as persistent JSON in a durable quorum queue', async () => {
    const { names, open, cleanup } = isolated();
    try {
      const queue = await open();
      const job = newJob();
      await queue.enqueue(job);
      await withBroker(async (channel) => {
        const message = await channel.basicGet({ queue: names.turnQueueName, noAck: true });
        assert.ok(message, 'the job is in the named queue');
        assert.equal(message.durable, true, 'persistent');
        assert.equal(message.contentType, 'application/json');
        assert.deepEqual(message.body, job);
      });
      await assert.rejects(
        withBroker((channel) =>
          channel.queueDeclare({
            queue: names.turnQueueName,
            durable: true,
            arguments: { 'x-queue-type': 'classic' },
          }),
        ),
        /PRECONDITION_FAILED.*x-queue-type/,
        'the broker knows the queue as a quorum queue',
      );
    } finally {
      await cleanup();
    }
  });

  test("completions travel as the seed's persistent JSON on its direct exchange and durable queue", async () => {
    assert.deepEqual(
      [
        defaultOperationCompletionExchangeName,
        defaultOperationCompletionQueueName,
        operationCompletionRoutingKey,
      ],
      ['chat_operations', 'chat_operation_complete', 'operation.complete'],
    );
    const { names, open, cleanup } = isolated();
    try {
      const queue = await open();
      const completion = newCompletion();
      await queue.publishOperationCompletion(completion);
      await withBroker(async (channel) => {
        const message = await channel.basicGet({
          queue: names.operationCompletionQueueName,
          noAck: true,
        });
        assert.ok(message, 'the completion is in the named queue');
        assert.equal(message.routingKey, 'operation.complete');
        assert.equal(message.exchange, names.operationCompletionExchangeName);
        assert.equal(message.durable, true, 'persistent');
        assert.deepEqual(message.body, {
          operation_id: completion.operationId,
          success: true,
          result: completion.result,
        });
      });
      await assert.rejects(
        withBroker((channel) =>
          channel.exchangeDeclare({
            exchange: names.operationCompletionExchangeName,
            type: 'fanout',
            durable: true,
          }),
        ),
        /PRECONDITION_FAILED/,
        'the broker knows the exchange as a direct one',
      );
      await assert.rejects(
        withBroker((channel) =>
          channel.queueDeclare({ queue: names.operationCompletionQueueName, durable: false }),
        ),
        /PRECONDITION_FAILED/,
        'the broker knows the queue as durable',
      );
    } finally {
      await cleanup();
    }
  });

  test('a handled or invalid completion leaves nothing behind in the broker', async () => {
    const { names, open, cleanup } = isolated();
    try {
      const queue = await open();
      const received: string[] = [];
      const consumer = await queue.consumeOperationCompletions(async (completion) => {
        received.push(completion.operationId);
      });
      await publishRawCompletion(names, '{"operation_id": 42}');
      const valid = newCompletion();
      await queue.publishOperationCompletion(valid);
      await waitFor(() => received.length === 1);
      await consumer.stop();
      const { messageCount } = await queueCounts(names.operationCompletionQueueName);
      assert.equal(messageCount, 0, 'both were acked, none went back to the queue');
    } finally {
      await cleanup();
    }
  });

  test('a completion held by a dead connection is redelivered to another instance', async () => {
    const { open, cleanup } = isolated();
    proxy.comeBack();
    const release = Promise.withResolvers<void>();
    try {
      const doomed = await open(proxiedUrl);
      const survivor = await open();
      const deliveries: { instance: string; operationId: string }[] = [];
      const record = (instance: string) => async (completion: { operationId: string }) => {
        deliveries.push({ instance, operationId: completion.operationId });
        if (instance === 'doomed') await release.promise;
      };
      await doomed.consumeOperationCompletions(record('doomed'));
      const completion = newCompletion();
      await survivor.publishOperationCompletion(completion);
      await waitFor(() => deliveries.length === 1);
      await survivor.consumeOperationCompletions(record('survivor'));
      proxy.goDown();
      await waitFor(() => deliveries.length === 2, { message: 'the completion is redelivered' });
      assert.deepEqual(deliveries, [
        { instance: 'doomed', operationId: completion.operationId },
        { instance: 'survivor', operationId: completion.operationId },
      ]);
    } finally {
      release.resolve();
      await cleanup();
      proxy.comeBack();
    }
  });

  test('takes no more jobs from the broker than its concurrency, leaving the rest queued', async () => {
    const { names, open, cleanup } = isolated();
    const gate = Promise.withResolvers<void>();
    try {
      const queue = await open();
      let started = 0;
      let finished = 0;
      const consumer = await queue.consume(
        async () => {
          started += 1;
          await gate.promise;
          finished += 1;
        },
        { concurrency: 3 },
      );
      for (let index = 0; index < 10; index += 1) await queue.enqueue(newJob());
      await waitFor(() => started === 3);
      await sleep(200);
      assert.equal(started, 3);
      const { messageCount } = await queueCounts(names.turnQueueName);
      assert.equal(messageCount, 7, 'the broker holds back all but the three running jobs');
      gate.resolve();
      await waitFor(() => finished === 10);
      await consumer.stop();
    } finally {
      gate.resolve();
      await cleanup();
    }
  });

  test('refuses a job no queue took, then declares the deleted queue again', async () => {
    const { names, open, cleanup } = isolated();
    try {
      const queue = await open();
      await withBroker((channel) => channel.queueDelete({ queue: names.turnQueueName }));
      await assert.rejects(queue.enqueue(newJob()), (error: unknown) => {
        assert.ok(error instanceof QueueUnavailableError);
        assert.match(error.message, /no queue named/);
        return true;
      });
      const job = newJob();
      await waitFor(
        () =>
          queue.isConnected &&
          queue.enqueue(job).then(
            () => true,
            () => false,
          ),
        {
          message: 'the queue is declared again',
        },
      );
      const received: string[] = [];
      await queue.consume(async (delivered) => void received.push(delivered.turnId), {
        concurrency: 1,
      });
      await waitFor(() => received.length === 1);
      assert.deepEqual(received, [job.turnId]);
    } finally {
      await cleanup();
    }
  });

  test('fails fast with QueueUnavailableError when the broker is unreachable', async () => {
    const names = uniqueNames();
    const unreachable = options(names, 'amqp://guest:guest@127.0.0.1:1');
    let startedAt = Date.now();
    await assert.rejects(RabbitMqTurnQueue.connect(unreachable), QueueUnavailableError);
    assert.ok(Date.now() - startedAt < 2_500, 'connect gave up within the bound');
    const queue = new RabbitMqTurnQueue(unreachable);
    try {
      for (const call of [
        () => queue.enqueue(newJob()),
        () => queue.broadcastCancel('turn-x'),
        () => queue.consume(async () => {}, { concurrency: 1 }),
      ]) {
        startedAt = Date.now();
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof QueueUnavailableError);
          assert.match(error.message, /127\.0\.0\.1:1/);
          assert.doesNotMatch(error.message, /guest:guest/, 'the password is not in the message');
          return true;
        });
        const elapsed = Date.now() - startedAt;
        assert.ok(elapsed < 2_500, `failed after ${elapsed} ms`);
      }
      assert.equal(queue.isConnected, false);
    } finally {
      await queue.close();
    }
  });

  test('a dead consumer connection hands its unacked job to another instance, flagged redelivered', async () => {
    const { open, cleanup } = isolated();
    proxy.comeBack();
    const release = Promise.withResolvers<void>();
    try {
      const doomed = await open(proxiedUrl);
      const survivor = await open();
      const deliveries: { instance: string; turnId: string; redelivered: boolean }[] = [];
      const record =
        (instance: string) => async (job: TurnJob, delivery: { redelivered: boolean }) => {
          deliveries.push({ instance, turnId: job.turnId, redelivered: delivery.redelivered });
          if (instance === 'doomed') await release.promise;
        };
      await doomed.consume(record('doomed'), { concurrency: 1 });
      const job = newJob();
      await survivor.enqueue(job);
      await waitFor(() => deliveries.length === 1);
      await survivor.consume(record('survivor'), { concurrency: 1 });
      proxy.goDown();
      await waitFor(() => deliveries.length === 2, { message: 'the job is redelivered' });
      assert.deepEqual(deliveries, [
        { instance: 'doomed', turnId: job.turnId, redelivered: false },
        { instance: 'survivor', turnId: job.turnId, redelivered: true },
      ]);
    } finally {
      release.resolve();
      await cleanup();
      proxy.comeBack();
    }
  });

  test('after a cut it consumes again at once, while a handler from before the cut still runs', async () => {
    const { open, cleanup } = isolated();
    proxy.comeBack();
    const release = Promise.withResolvers<void>();
    try {
      const flaky = await open(proxiedUrl);
      const steady = await open();
      const deliveries: { turnId: string; redelivered: boolean }[] = [];
      await flaky.consume(
        async (job, delivery) => {
          deliveries.push({ turnId: job.turnId, redelivered: delivery.redelivered });
          // Only the first delivery of the long job outlives the cut, as a long turn would.
          if (deliveries.length === 1) await release.promise;
        },
        { concurrency: 2 },
      );
      const long = newJob();
      await steady.enqueue(long);
      await waitFor(() => deliveries.length === 1);
      proxy.cut();
      await waitFor(() => flaky.isConnected, { message: 'reconnected after the cut' });
      const next = newJob();
      await steady.enqueue(next);
      const runs = (turnId: string) => deliveries.filter((delivery) => delivery.turnId === turnId);
      await waitFor(() => runs(next.turnId).length === 1 && runs(long.turnId).length === 2, {
        message: 'jobs run after the cut without waiting for the handler from before it',
      });
      assert.deepEqual(
        runs(long.turnId).map(({ redelivered }) => redelivered),
        [false, true],
        'the job of the lost connection is handed out again, flagged',
      );
      assert.equal(
        await steady.countConsumers(),
        1,
        'the consumer counts while the old handler runs',
      );
    } finally {
      release.resolve();
      await cleanup();
      proxy.comeBack();
    }
  });

  test('after an outage it re-declares, re-consumes and re-binds, losing and duplicating nothing', async () => {
    const { open, cleanup } = isolated();
    proxy.comeBack();
    try {
      const flaky = await open(proxiedUrl);
      const steady = await open();
      const deliveries = new DeliveryLog();
      let redelivered = 0;
      const heard: string[] = [];
      flaky.onCancel((turnId) => heard.push(turnId));
      await flaky.consume(
        async (job, delivery) => {
          deliveries.record(job.turnId);
          if (delivery.redelivered) redelivered += 1;
        },
        { concurrency: 2 },
      );
      const sent: TurnJob[] = [];
      for (let round = 0; round < 3; round += 1) {
        const batch = Array.from({ length: 10 }, () => newJob());
        for (const job of batch) await flaky.enqueue(job);
        sent.push(...batch);
        await waitFor(() => deliveries.total === sent.length);
        // Lets the last acks reach the broker, so nothing is unacked when the link dies.
        await sleep(100);
        proxy.goDown();
        await waitFor(() => !flaky.isConnected, { message: 'the outage is noticed' });
        const startedAt = Date.now();
        await assert.rejects(flaky.enqueue(newJob()), QueueUnavailableError);
        assert.ok(Date.now() - startedAt < 2_500, 'enqueue failed fast during the outage');
        const duringOutage = Array.from({ length: 5 }, () => newJob());
        for (const job of duringOutage) await steady.enqueue(job);
        sent.push(...duringOutage);
        await sleep(Math.random() * 300);
        proxy.comeBack();
        await waitFor(() => flaky.isConnected, { message: 'reconnected' });
        await waitFor(() => deliveries.total === sent.length, {
          message: 'jobs queued during the outage arrive',
        });
        const cancelled = newJob().turnId;
        await steady.broadcastCancel(cancelled);
        await waitFor(() => heard.includes(cancelled), {
          message: 'the cancel queue is bound again',
        });
      }
      await sleep(200);
      for (const job of sent) assert.equal(deliveries.count(job.turnId), 1, job.turnId);
      assert.equal(deliveries.total, sent.length);
      assert.equal(redelivered, 0);
    } finally {
      await cleanup();
      proxy.comeBack();
    }
  });

  test('cuts at random moments lose no job, flag every repeat as redelivered and keep the concurrency', async () => {
    const { open, cleanup } = isolated();
    proxy.comeBack();
    try {
      const flaky = await open(proxiedUrl);
      const steady = await open();
      const concurrency = 3;
      const cuts = 6;
      const deliveries: { turnId: string; redelivered: boolean }[] = [];
      let inFlight = 0;
      let mostInFlight = 0;
      await flaky.consume(
        async (job, delivery) => {
          deliveries.push({ turnId: job.turnId, redelivered: delivery.redelivered });
          inFlight += 1;
          mostInFlight = Math.max(mostInFlight, inFlight);
          // Often outlives a cut, so handlers of the lost channel overlap the new deliveries.
          await sleep(Math.random() * 120);
          inFlight -= 1;
        },
        { concurrency },
      );
      const jobs = Array.from({ length: 90 }, () => newJob());
      const publishing = (async () => {
        for (const job of jobs) {
          await steady.enqueue(job);
          await sleep(Math.random() * 3);
        }
      })();
      for (let cut = 0; cut < cuts; cut += 1) {
        await sleep(50 + Math.random() * 150);
        proxy.cut();
        await waitFor(() => flaky.isConnected, { message: 'reconnected after a cut' });
      }
      await publishing;
      const delivered = () => new Set(deliveries.map(({ turnId }) => turnId));
      await waitFor(() => jobs.every((job) => delivered().has(job.turnId)), {
        timeoutMs: 15_000,
        message: 'every job arrives',
      });
      await sleep(200);
      const seen = new Set<string>();
      let repeats = 0;
      for (const { turnId, redelivered } of deliveries) {
        if (seen.has(turnId)) {
          repeats += 1;
          assert.ok(redelivered, `the repeat of ${turnId} is flagged redelivered`);
        }
        seen.add(turnId);
      }
      assert.ok(repeats <= cuts * concurrency, `only unacked jobs repeat (${repeats})`);
      assert.ok(mostInFlight <= concurrency, `at most ${concurrency} at once (${mostInFlight})`);
    } finally {
      await cleanup();
      proxy.comeBack();
    }
  });

  test('close leaves no socket or timer behind, even while reconnecting', async () => {
    const baseline = countHandles();
    const { open, cleanup } = isolated();
    proxy.comeBack();
    // A long backoff, so a retry timer that close forgot would still be pending at the check.
    const unreachable = new RabbitMqTurnQueue({
      ...options(uniqueNames(), 'amqp://guest:guest@127.0.0.1:1'),
      reconnectDelay: { initialMs: 10_000, maxMs: 10_000 },
    });
    try {
      const queue = await open(proxiedUrl);
      let handled = 0;
      await queue.consume(async () => void (handled += 1), { concurrency: 2 });
      queue.onCancel(() => {});
      await queue.enqueue(newJob());
      await waitFor(() => handled === 1);
      proxy.goDown();
      await waitFor(() => !queue.isConnected);
      await sleep(100);
      await Promise.all([queue.close(), unreachable.close()]);
    } finally {
      await cleanup();
      await unreachable.close();
      proxy.comeBack();
    }
    // Destroyed sockets and cleared timers leave the active list on a later tick.
    await waitFor(() => sameCounts(countHandles(), baseline), { timeoutMs: 2_000 }).catch(() => {});
    assert.deepEqual(countHandles(), baseline, 'every socket and timer is released');
  });
});

describe('RabbitMqTurnQueue: a job carrying its conversation', () => {
  /** Jobs as a consumer of a fresh queue receives them, in order. */
  async function receivedThrough(
    send: (queue: RabbitMqTurnQueue, names: Names) => Promise<void>,
    count: number,
  ): Promise<TurnJob[]> {
    const { names, open, cleanup } = isolated();
    try {
      const queue = await open();
      const received: TurnJob[] = [];
      await queue.consume(async (job) => void received.push(job), { concurrency: 1 });
      await send(queue, names);
      await waitFor(() => received.length === count, { message: `${count} jobs arrive` });
      return received;
    } finally {
      await cleanup();
    }
  }

  test('arrives with the conversation deep-equal to what was sent, dates revived', async () => {
    const job = newJob({ conversation: conversationWithText('a question') });
    const [received] = await receivedThrough((queue) => queue.enqueue(job), 1);
    assert.deepEqual(received, job);
    assert.ok(received?.conversation?.pendingMessages[0]?.createdAt instanceof Date);
  });

  test(`carries a conversation whose job is ${maxCarryingJobBytes} bytes of JSON, and sends a byte more without it`, async () => {
    const padding = maxCarryingJobBytes - encodeTurnJob(newJob(withText(''))).length;
    const fitting = newJob(withText('x'.repeat(padding)));
    const oversized = newJob(withText('x'.repeat(padding + 1)));
    assert.equal(encodeTurnJob(fitting).length, maxCarryingJobBytes);
    const received = await receivedThrough(async (queue) => {
      await queue.enqueue(fitting);
      await queue.enqueue(oversized);
    }, 2);
    assert.deepEqual(received, [fitting, withoutConversation(oversized)]);
  });

  test('a job whose conversation is malformed still arrives, without the conversation', async () => {
    const sound = conversationWithText('a question');
    const [firstMessage] = sound.messages;
    const [firstPending] = sound.pendingMessages;
    assert.ok(firstMessage && firstPending);
    const malformed: unknown[] = [
      null,
      { messages: sound.messages },
      { ...sound, messages: [{ ...firstMessage, parts: 'text' }] },
      { ...sound, messages: [{ ...firstMessage, role: 'tool' }] },
      { ...sound, pendingMessages: [{ ...firstPending, createdAt: 'yesterday' }] },
      { ...sound, pendingMessages: [{ ...firstPending, mode: 'later' }] },
    ];
    const jobs = malformed.map(() => newJob());
    const received = await receivedThrough(async (_queue, names) => {
      await withBroker(async (channel) => {
        await channel.confirmSelect();
        for (const [index, conversation] of malformed.entries()) {
          await channel.basicPublish(
            { routingKey: names.turnQueueName, durable: true, contentType: 'application/json' },
            Buffer.from(JSON.stringify({ ...jobs[index], conversation })),
          );
        }
      });
    }, jobs.length);
    assert.deepEqual(received, jobs);
  });
});

/** A conversation as the store returns one: history, a waiting follow-up, and `text` last. */
function conversationWithText(text: string): Conversation {
  return {
    messages: [
      {
        id: 'question-1',
        role: 'user',
        parts: [
          { type: 'file', mediaType: 'image/png', url: '/api/chat/files/file-1' },
          { type: 'text', text: 'what is on it?' },
        ],
      },
      {
        id: 'answer-1',
        role: 'assistant',
        metadata: { model: 'demo' },
        parts: [{ type: 'step-start' }, { type: 'text', text: 'a cat', state: 'done' }],
      },
      { id: 'question-2', role: 'user', parts: [{ type: 'text', text }] },
    ],
    pendingMessages: [
      {
        sessionId: 'session-1',
        message: { id: 'follow-up-1', role: 'user', parts: [{ type: 'text', text: 'and?' }] },
        mode: 'steer',
        createdAt: new Date('2026-01-02T03:04:05.678Z'),
      },
    ],
  };
}

function withText(text: string): Partial<TurnJob> {
  return { conversation: conversationWithText(text) };
}

function withoutConversation(job: TurnJob): TurnJob {
  const { conversation: _, ...rest } = job;
  return rest;
}

function countHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind === 'TCPSocketWrap' || kind === 'Timeout') counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

function sameCounts(left: Record<string, number>, right: Record<string, number>): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}
