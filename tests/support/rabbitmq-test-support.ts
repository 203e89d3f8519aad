import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { type Channel, Connection } from 'rabbitmq-client';
import { operationCompletionRoutingKey } from '../../src/queue/rabbitmq/rabbitmq-topology.ts';
import {
  RabbitMqTurnQueue,
  type RabbitMqTurnQueueOptions,
} from '../../src/queue/rabbitmq/rabbitmq-turn-queue.ts';

// Test support for the RabbitMQ adapter's tests: isolated names on the shared local broker.

/** A real broker is required: without one every test using it fails, none is skipped. */
export const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const silentLogger = pino({ level: 'silent' });

export interface Names {
  turnQueueName: string;
  cancelExchangeName: string;
  operationCompletionExchangeName: string;
  operationCompletionQueueName: string;
}

export function uniqueNames(): Names {
  const suffix = randomUUID().slice(0, 8);
  return {
    turnQueueName: `durable-chat-test.turns.${suffix}`,
    cancelExchangeName: `durable-chat-test.cancels.${suffix}`,
    operationCompletionExchangeName: `durable-chat-test.operations.${suffix}`,
    operationCompletionQueueName: `durable-chat-test.operation-completions.${suffix}`,
  };
}

/** Quick reconnects and a silent logger (the contract makes handlers throw on purpose). */
export function options(names: Names, url = amqpUrl): RabbitMqTurnQueueOptions {
  return {
    url,
    ...names,
    logger: silentLogger,
    reconnectDelay: { initialMs: 50, maxMs: 500 },
    completionRedeliveryDelayMs: 20,
  };
}

/**
 * Runs `body` on a plain channel of its own connection (to the shared broker unless `url` says
 * otherwise), to look at the broker from outside. A refused declaration rejects its call.
 */
export async function withBroker<T>(
  body: (channel: Channel) => Promise<T>,
  url = amqpUrl,
): Promise<T> {
  // No retries: a broker that is down fails the call instead of being waited for.
  const connection = new Connection({ url, acquireTimeout: 5_000, retryLow: 100, retryHigh: 200 });
  connection.on('error', () => {});
  try {
    const channel = await connection.acquire();
    try {
      return await body(channel);
    } finally {
      await channel.close();
    }
  } finally {
    await connection.close();
  }
}

export async function deleteTopology(names: Names): Promise<void> {
  await withBroker(async (channel) => {
    await channel.queueDelete({ queue: names.turnQueueName });
    await channel.exchangeDelete({ exchange: names.cancelExchangeName });
    await channel.queueDelete({ queue: names.operationCompletionQueueName });
    await channel.exchangeDelete({ exchange: names.operationCompletionExchangeName });
  });
}

/** How many messages wait in `queue` and how many consumers take from it, as the broker counts. */
export async function queueCounts(
  queue: string,
  url = amqpUrl,
): Promise<{ messageCount: number; consumerCount: number }> {
  return withBroker((channel) => channel.queueDeclare({ queue, passive: true }), url);
}

/** Publishes `content` as a service would, straight to the completion exchange, confirmed. */
export async function publishRawCompletion(
  names: Pick<Names, 'operationCompletionExchangeName'>,
  content: string,
  url = amqpUrl,
): Promise<void> {
  await withBroker(async (channel) => {
    await channel.confirmSelect();
    await channel.basicPublish(
      {
        exchange: names.operationCompletionExchangeName,
        routingKey: operationCompletionRoutingKey,
        durable: true,
        contentType: 'application/json',
      },
      Buffer.from(content),
    );
  }, url);
}

/** Opens queues on fresh names and closes them and removes their names afterwards. */
export function isolated(): {
  names: Names;
  open: (url?: string) => Promise<RabbitMqTurnQueue>;
  cleanup: () => Promise<void>;
} {
  const names = uniqueNames();
  const instances: RabbitMqTurnQueue[] = [];
  return {
    names,
    open: async (url) => {
      const queue = await RabbitMqTurnQueue.connect(options(names, url));
      instances.push(queue);
      return queue;
    },
    cleanup: async () => {
      await Promise.all(instances.map((instance) => instance.close()));
      await deleteTopology(names);
    },
  };
}
