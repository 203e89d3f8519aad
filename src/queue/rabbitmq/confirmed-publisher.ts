import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Connection, Envelope, Publisher } from 'rabbitmq-client';
import { QueueUnavailableError } from '../turn-queue.ts';
import { withinDeadline } from './within-deadline.ts';

/**
 * rabbitmq-client's publisher in confirm mode, which re-opens its channel after a reconnect: a
 * publish resolves only once the broker has taken responsibility for the message (for
 * a quorum queue: a majority stored it). What the library leaves open is added here: a bound on
 * the wait for a confirm, and mandatory messages that no queue took failing instead of vanishing.
 */
export class ConfirmedPublisher {
  readonly #publisher: Publisher;
  readonly #timeoutMs: number;
  /** Message ids the broker returned as unroutable, until their publish call has seen them. */
  readonly #returned = new Set<string>();

  constructor(connection: Connection, options: { timeoutMs: number }) {
    this.#publisher = connection.createPublisher({ confirm: true });
    this.#timeoutMs = options.timeoutMs;
    this.#publisher.on('basic.return', (message) => {
      if (typeof message.messageId === 'string') this.#returned.add(message.messageId);
    });
  }

  /**
   * Publishes `content` as JSON. Rejects with QueueUnavailableError when the broker nacks, the
   * channel closes first, no confirm comes within the timeout, or (mandatory messages) no queue
   * took the message; the last case also calls `onUnroutable`.
   */
  async publish(
    envelope: Envelope,
    content: Buffer,
    options: { onUnroutable: () => void },
  ): Promise<void> {
    const messageId = randomUUID();
    const sent = this.#publisher.send(
      { ...envelope, messageId, contentType: 'application/json' },
      content,
    );
    try {
      await withinDeadline(
        sent,
        this.#timeoutMs,
        `RabbitMQ did not confirm the message within ${this.#timeoutMs} ms`,
      );
    } catch (error) {
      this.#returned.delete(messageId);
      if (error instanceof QueueUnavailableError) throw error;
      throw new QueueUnavailableError('RabbitMQ did not take the message', { cause: error });
    }
    // The broker sends a return before its confirm, but the library emits it a tick later.
    await nextTurn();
    if (this.#returned.delete(messageId)) {
      options.onUnroutable();
      throw new QueueUnavailableError(`no queue named ${envelope.routingKey} took the message`);
    }
  }

  close(): Promise<void> {
    return this.#publisher.close();
  }
}
