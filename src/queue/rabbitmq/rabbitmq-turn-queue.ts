import { hostname } from 'node:os';
import type { Channel, ChannelModel, Options } from 'amqplib';
import { createLogger } from '../../logger.ts';
import {
  type CancelListener,
  type ConsumeOptions,
  type Consumer,
  QueueUnavailableError,
  type TurnHandler,
  type TurnJob,
  type TurnQueue,
} from '../turn-queue.ts';
import { ConfirmedPublisher } from './confirmed-publisher.ts';
import { type QueueLogger, RabbitMqConnection } from './rabbitmq-connection.ts';
import { RabbitMqTurnConsumer } from './rabbitmq-turn-consumer.ts';
import { decodeCancel, encodeCancel, encodeTurnJob } from './turn-job-message.ts';

export const defaultTurnQueueName = 'durable-chat.turns';
export const defaultCancelExchangeName = 'durable-chat.cancels';

export interface RabbitMqTurnQueueOptions {
  /** `amqp://user:password@host:5672/vhost`; `?heartbeat=` and other URL options are honoured. */
  url: string;
  /** The durable quorum queue of turn jobs, shared by every process; default `durable-chat.turns`. */
  turnQueueName?: string;
  /** The fanout exchange of cancels, shared by every process; default `durable-chat.cancels`. */
  cancelExchangeName?: string;
  logger?: QueueLogger;
  /** How long a call waits for a (re)connection before failing with QueueUnavailableError. */
  unavailableAfterMs?: number;
  /** How long a publish waits for the broker's confirm before failing with QueueUnavailableError. */
  confirmTimeoutMs?: number;
  /** First and longest pause between reconnect attempts. */
  reconnectDelay?: { initialMs: number; maxMs: number };
  /** Shown in RabbitMQ's connection list; default names the host and process. */
  connectionName?: string;
}

/**
 * The scale-out TurnQueue on RabbitMQ. Jobs go through a durable quorum queue as persistent JSON
 * messages, published with confirms; each `consume` call gets its own channel with prefetch =
 * concurrency and acks a job when its handler has returned. Cancels go through a fanout exchange
 * to ONE exclusive, auto-delete, server-named queue per instance, so every process hears every
 * cancel (one shared cancel queue would reach only one of them).
 *
 * The instance connects in the background from construction and reconnects on its own; every
 * (re)connection re-declares the topology, re-binds a fresh cancel queue and re-consumes before
 * anything may use it. While there is no connection, calls fail within `unavailableAfterMs`
 * with QueueUnavailableError instead of hanging. Cancels broadcast while an instance is
 * disconnected are not replayed to it: the registry's durable cancel flag covers that gap.
 */
export class RabbitMqTurnQueue implements TurnQueue {
  /** Constructs a queue and waits for its first connection; closes it again if there is none. */
  static async connect(options: RabbitMqTurnQueueOptions): Promise<RabbitMqTurnQueue> {
    const queue = new RabbitMqTurnQueue(options);
    try {
      await queue.ready();
      return queue;
    } catch (error) {
      await queue.close();
      throw error;
    }
  }

  readonly turnQueueName: string;
  readonly cancelExchangeName: string;
  readonly #logger: QueueLogger;
  readonly #confirmTimeoutMs: number;
  readonly #connection: RabbitMqConnection;
  readonly #consumers = new Set<RabbitMqTurnConsumer>();
  /** One entry per subscription, so the same function subscribed twice is called twice. */
  readonly #cancelListeners = new Set<{ listener: CancelListener }>();
  #publisher: ConfirmedPublisher | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options: RabbitMqTurnQueueOptions) {
    this.turnQueueName = options.turnQueueName ?? defaultTurnQueueName;
    this.cancelExchangeName = options.cancelExchangeName ?? defaultCancelExchangeName;
    this.#logger = options.logger ?? createLogger('warn');
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 5_000;
    this.#connection = new RabbitMqConnection({
      url: options.url,
      connectionName:
        options.connectionName ?? `durable-chat turn queue ${hostname()} pid ${process.pid}`,
      logger: this.#logger,
      setup: (model) => this.#setup(model),
      unavailableAfterMs: options.unavailableAfterMs ?? 1_000,
      reconnectDelay: options.reconnectDelay ?? { initialMs: 100, maxMs: 5_000 },
    });
    this.#connection.start();
  }

  /** True while connected with the topology declared: what a readiness probe reports. */
  get isConnected(): boolean {
    return this.#connection.current !== null;
  }

  /** Resolves once connected; rejects with QueueUnavailableError after `unavailableAfterMs`. */
  async ready(): Promise<void> {
    await this.#connection.acquire();
  }

  async enqueue(job: TurnJob): Promise<void> {
    await this.#publish('', this.turnQueueName, encodeTurnJob(job), {
      persistent: true,
      mandatory: true,
      type: 'turn-job',
    });
  }

  /**
   * Registers a consumer and starts it on the current connection; it survives reconnects. Fails
   * with QueueUnavailableError when there is no connection within `unavailableAfterMs`.
   */
  async consume(handler: TurnHandler, options: ConsumeOptions): Promise<Consumer> {
    this.#assertOpen();
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
    const model = await this.#connection.acquire();
    const consumer = new RabbitMqTurnConsumer({
      queueName: this.turnQueueName,
      handler,
      concurrency: options.concurrency,
      logger: this.#logger,
      onChannelLost: (lostOn, reason) => this.#connection.reset(lostOn, reason),
    });
    this.#consumers.add(consumer);
    await consumer.attach(model).catch((error: unknown) => {
      // The next connection's setup attaches it; a live connection is reset to get there.
      this.#connection.reset(model, asError(error));
    });
    return {
      stop: async () => {
        await consumer.stop();
        this.#consumers.delete(consumer);
      },
    };
  }

  /** A passive declare of the turn queue, on the publishing channel, bounded like a confirm. */
  async countConsumers(): Promise<number> {
    this.#assertOpen();
    const model = await this.#connection.acquire();
    const publisher = this.#publisher;
    if (!publisher || publisher.model !== model) {
      throw new QueueUnavailableError('RabbitMQ is reconnecting');
    }
    const timeout = AbortSignal.timeout(this.#confirmTimeoutMs);
    const answered = publisher.channel.checkQueue(this.turnQueueName);
    const timedOut = new Promise<never>((_, reject) => {
      timeout.addEventListener('abort', () =>
        reject(new QueueUnavailableError('RabbitMQ did not answer a queue check in time')),
      );
    });
    try {
      const { consumerCount } = await Promise.race([answered, timedOut]);
      return consumerCount;
    } catch (error) {
      if (error instanceof QueueUnavailableError) throw error;
      throw new QueueUnavailableError('RabbitMQ could not check the turn queue', { cause: error });
    }
  }

  async broadcastCancel(turnId: string): Promise<void> {
    await this.#publish(this.cancelExchangeName, '', encodeCancel(turnId), { type: 'cancel' });
  }

  onCancel(listener: CancelListener): () => void {
    this.#assertOpen();
    const subscription = { listener };
    this.#cancelListeners.add(subscription);
    return () => {
      this.#cancelListeners.delete(subscription);
    };
  }

  /** Stops every consumer (waiting for running handlers and acking them), then disconnects. */
  close(): Promise<void> {
    this.#closed = true;
    this.#closing ??= (async () => {
      await Promise.all([...this.#consumers].map((consumer) => consumer.stop()));
      this.#consumers.clear();
      this.#cancelListeners.clear();
      await this.#connection.close();
      this.#publisher = null;
    })();
    return this.#closing;
  }

  /** Declares the topology and re-opens every channel on a new connection. */
  async #setup(model: ChannelModel): Promise<void> {
    const publisher = await ConfirmedPublisher.open(model);
    const { channel } = publisher;
    this.#watchChannel(model, channel, 'publishing');
    await channel.assertQueue(this.turnQueueName, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await channel.assertExchange(this.cancelExchangeName, 'fanout', { durable: true });
    await this.#listenForCancels(model);
    this.#publisher = publisher;
    // Consumers registered while this ran are attached too.
    const attached = new Set<RabbitMqTurnConsumer>();
    for (;;) {
      const pending = [...this.#consumers].filter((consumer) => !attached.has(consumer));
      if (pending.length === 0) break;
      await Promise.all(pending.map((consumer) => consumer.attach(model)));
      for (const consumer of pending) attached.add(consumer);
    }
  }

  async #listenForCancels(model: ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    this.#watchChannel(model, channel, 'cancel listening');
    const { queue } = await channel.assertQueue('', {
      exclusive: true,
      autoDelete: true,
      durable: false,
    });
    await channel.bindQueue(queue, this.cancelExchangeName, '');
    await channel.consume(
      queue,
      (message) => {
        if (message === null) {
          this.#connection.reset(model, new Error('the broker cancelled the cancel listener'));
          return;
        }
        const turnId = decodeCancel(message.content);
        if (turnId === null) this.#logger.error('ignoring a cancel message without a turn id');
        else this.#notifyCancel(turnId);
      },
      { noAck: true },
    );
  }

  #notifyCancel(turnId: string): void {
    for (const { listener } of [...this.#cancelListeners]) {
      try {
        listener(turnId);
      } catch (error) {
        this.#logger.error({ err: error, turnId }, 'cancel listener failed');
      }
    }
  }

  /** Any channel failure resets the whole connection: one recovery path, re-declaring all. */
  #watchChannel(model: ChannelModel, channel: Channel, purpose: string): void {
    channel.on('error', (error: Error) =>
      this.#logger.warn({ err: error }, `RabbitMQ ${purpose} channel error`),
    );
    channel.on('close', () => {
      if (!this.#closed) {
        this.#connection.reset(model, new Error(`the ${purpose} channel closed`));
      }
    });
  }

  async #publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
  ): Promise<void> {
    this.#assertOpen();
    const model = await this.#connection.acquire();
    const blockedReason = this.#connection.blockedReason;
    if (blockedReason !== null) {
      throw new QueueUnavailableError(`RabbitMQ refuses publishes for now: ${blockedReason}`);
    }
    const publisher = this.#publisher;
    if (!publisher || publisher.model !== model) {
      throw new QueueUnavailableError('RabbitMQ is reconnecting');
    }
    await publisher.publish(exchange, routingKey, content, {
      ...options,
      timeoutMs: this.#confirmTimeoutMs,
      // A queue deleted under us is declared again by the next connection's setup.
      onUnroutable: () => this.#connection.reset(model, new Error(`${routingKey} is gone`)),
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the turn queue is closed');
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
