import { randomUUID } from 'node:crypto';
import { type Channel, connect } from 'amqplib';
import { pino } from 'pino';
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

/** Runs `body` on a plain channel of its own connection, to look at the broker from outside. */
export async function withBroker<T>(body: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = await connect(amqpUrl);
  // A refused declaration closes the channel with an error event; the caller sees the rejection.
  connection.on('error', () => {});
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    return await body(channel);
  } finally {
    await connection.close().catch(() => {});
  }
}

export async function deleteTopology(names: Names): Promise<void> {
  await withBroker(async (channel) => {
    await channel.deleteQueue(names.turnQueueName);
    await channel.deleteExchange(names.cancelExchangeName);
    await channel.deleteQueue(names.operationCompletionQueueName);
    await channel.deleteExchange(names.operationCompletionExchangeName);
  });
}

/** Publishes `content` as a service would, straight to the completion exchange. */
export async function publishRawCompletion(names: Names, content: string): Promise<void> {
  await withBroker(async (channel) => {
    channel.publish(
      names.operationCompletionExchangeName,
      operationCompletionRoutingKey,
      Buffer.from(content),
      { persistent: true, contentType: 'application/json' },
    );
    // A plain channel has no confirms: a round trip on it follows the publish.
    await channel.checkExchange(names.operationCompletionExchangeName);
  });
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
