import { randomUUID } from 'node:crypto';
import type { ChannelModel, ConfirmChannel, Options } from 'amqplib';
import { QueueUnavailableError } from '../turn-queue.ts';

/**
 * The publishing channel of one connection, in confirm mode: a publish resolves only once the
 * broker has taken responsibility for the message (for a quorum queue: a majority stored it).
 * Mandatory messages that no queue took come back as a `basic.return` before their confirm,
 * so they are told apart by message id and fail instead of vanishing.
 */
export class ConfirmedPublisher {
  static async open(model: ChannelModel): Promise<ConfirmedPublisher> {
    return new ConfirmedPublisher(model, await model.createConfirmChannel());
  }

  readonly model: ChannelModel;
  readonly channel: ConfirmChannel;
  readonly #returned = new Set<string>();

  private constructor(model: ChannelModel, channel: ConfirmChannel) {
    this.model = model;
    this.channel = channel;
    channel.on('return', (message: { properties: { messageId?: unknown } }) => {
      if (typeof message.properties.messageId === 'string') {
        this.#returned.add(message.properties.messageId);
      }
    });
  }

  /**
   * Rejects with QueueUnavailableError when the broker nacks, the channel closes first, no
   * confirm comes within `timeoutMs`, or (mandatory messages) no queue took the message; the
   * last case also calls `onUnroutable`.
   */
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish & { timeoutMs: number; onUnroutable: () => void },
  ): Promise<void> {
    const { timeoutMs, onUnroutable, ...publishOptions } = options;
    const messageId = randomUUID();
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const timer = setTimeout(() => {
      reject(
        new QueueUnavailableError(`RabbitMQ did not confirm the message within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    try {
      this.channel.publish(
        exchange,
        routingKey,
        content,
        { ...publishOptions, messageId, contentType: 'application/json', timestamp: Date.now() },
        (error: unknown) => {
          clearTimeout(timer);
          if (this.#returned.delete(messageId)) {
            reject(new QueueUnavailableError(`no queue named ${routingKey} took the message`));
            onUnroutable();
          } else if (error) {
            reject(
              new QueueUnavailableError('RabbitMQ did not take the message', { cause: error }),
            );
          } else {
            resolve();
          }
        },
      );
    } catch (error) {
      clearTimeout(timer);
      reject(new QueueUnavailableError('RabbitMQ is reconnecting', { cause: error }));
    }
    return promise;
  }
}
