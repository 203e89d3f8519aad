import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { InProcessTurnQueue } from '../queue/in-process-turn-queue.ts';
import { RabbitMqTurnQueue } from '../queue/rabbitmq/rabbitmq-turn-queue.ts';
import type { TurnQueue } from '../queue/turn-queue.ts';

/**
 * RabbitMQ when AMQP_URL is set (names under KEY_PREFIX, except the operation completions'),
 * else the in-process queue.
 */
export async function openTurnQueue(
  config: Config,
  logger: Logger,
): Promise<{ queue: TurnQueue; description: string }> {
  if (config.amqpUrl) {
    const queue = await RabbitMqTurnQueue.connect({
      url: config.amqpUrl,
      turnQueueName: `${config.keyPrefix}.turns`,
      cancelExchangeName: `${config.keyPrefix}.cancels`,
      // Not under KEY_PREFIX: services publish to these names, the seed's by default.
      operationCompletionExchangeName: config.operations.completionExchange,
      operationCompletionQueueName: config.operations.completionQueue,
      logger,
    });
    return { queue, description: `RabbitMQ at ${new URL(config.amqpUrl).host}` };
  }
  const queue = new InProcessTurnQueue({
    onError: (error, context) =>
      logger.error({ err: error, ...context }, 'turn queue handler failed'),
  });
  return { queue, description: 'in-process queue' };
}
