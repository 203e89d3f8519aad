import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Channel, ChannelModel, ConsumeMessage, Options } from 'amqplib';
import { createLogger } from '../../logger.ts';
import {
  type CancelListener,
  type ConsumeOptions,
  type Consumer,
  type OperationCompletion,
  type OperationCompletionHandler,
  QueueUnavailableError,
  type TurnHandler,
  type TurnJob,
  type TurnQueue,
} from '../turn-queue.ts';
import { ConfirmedPublisher } from './confirmed-publisher.ts';
import { type QueueLogger, RabbitMqConnection } from './rabbitmq-connection.ts';
import {
  decodeOperationCompletion,
  encodeOperationCompletion,
} from './operation-completion-message.ts';
import { RabbitMqConsumer, type Settlement } from './rabbitmq-consumer.ts';
import { decodeCancel, decodeTurnJob, encodeCancel, encodeTurnJob } from './turn-job-message.ts';

export const defaultTurnQueueName = 'durable-chat.turns';
export const defaultCancelExchangeName = 'durable-chat.cancels';
/** The seed's names, so a service written for it completes operations here unchanged. */
export const defaultOperationCompletionExchangeName = 'chat_operations';
export const defaultOperationCompletionQueueName = 'chat_operation_complete';
export const operationCompletionRoutingKey = 'operation.complete';
/** Completions one consumer applies at once (each is a few store calls). */
const completionConcurrency = 8;

export interface RabbitMqTurnQueueOptions {
  /** `amqp://user:password@host:5672/vhost`; `?heartbeat=` and other URL options are honoured. */
  url: string;
  /** The durable quorum queue of turn jobs, shared by every process; default `durable-chat.turns`. */
  turnQueueName?: string;
  /** The fanout exchange of cancels, shared by every process; default `durable-chat.cancels`. */
  cancelExchangeName?: string;
  /** The durable direct exchange services publish completions to; default `chat_operations`. */
  operationCompletionExchangeName?: string;
  /** The durable queue of completions, bound with `operation.complete`; default `chat_operation_complete`. */
  operationCompletionQueueName?: string;
  /** How long a completion whose handler rejected is held before it goes back to the broker; 1 s. */
  completionRedeliveryDelayMs?: number;
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
 *
 * Operation completions follow the seed: persistent JSON messages on a durable direct exchange,
 * routed with `operation.complete` to one durable (classic, as the seed and the services built
 * for it declare it) queue, which every instance declares so a completion published before any
 * API runs waits there. A completion is acked once its handler resolved; one whose handler
 * rejected is held for `completionRedeliveryDelayMs` (so a store outage is not a busy loop)
 * and then requeued, and the broker redelivers it; a message that is not a completion is logged
 * and acked, since redelivering it could never succeed.
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
  readonly operationCompletionExchangeName: string;
  readonly operationCompletionQueueName: string;
  readonly #completionRedeliveryDelayMs: number;
  readonly #logger: QueueLogger;
  readonly #confirmTimeoutMs: number;
  readonly #connection: RabbitMqConnection;
  readonly #consumers = new Set<RabbitMqConsumer>();
  /** One entry per subscription, so the same function subscribed twice is called twice. */
  readonly #cancelListeners = new Set<{ listener: CancelListener }>();
  #publisher: ConfirmedPublisher | null = null;
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options: RabbitMqTurnQueueOptions) {
    this.turnQueueName = options.turnQueueName ?? defaultTurnQueueName;
    this.cancelExchangeName = options.cancelExchangeName ?? defaultCancelExchangeName;
    this.operationCompletionExchangeName =
      options.operationCompletionExchangeName ?? defaultOperationCompletionExchangeName;
    this.operationCompletionQueueName =
      options.operationCompletionQueueName ?? defaultOperationCompletionQueueName;
    this.#completionRedeliveryDelayMs = options.completionRedeliveryDelayMs ?? 1_000;
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
    return this.#startConsumer({
      queueName: this.turnQueueName,
      description: 'turn consumer',
      concurrency: options.concurrency,
      process: (message) => this.#processTurnJob(handler, message),
    });
  }

  async publishOperationCompletion(completion: OperationCompletion): Promise<void> {
    await this.#publish(
      this.operationCompletionExchangeName,
      operationCompletionRoutingKey,
      encodeOperationCompletion(completion),
      { persistent: true, mandatory: true, type: 'operation-completion' },
    );
  }

  /** Like `consume`: survives reconnects; fails with QueueUnavailableError without a connection. */
  async consumeOperationCompletions(handler: OperationCompletionHandler): Promise<Consumer> {
    this.#assertOpen();
    return this.#startConsumer({
      queueName: this.operationCompletionQueueName,
      description: 'operation completion consumer',
      concurrency: completionConcurrency,
      process: (message) => this.#processCompletion(handler, message),
    });
  }

  async #startConsumer(options: {
    queueName: string;
    description: string;
    concurrency: number;
    process: (message: ConsumeMessage) => Promise<Settlement>;
  }): Promise<Consumer> {
    const model = await this.#connection.acquire();
    const consumer = new RabbitMqConsumer({
      ...options,
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

  /** A job is consumed whether its handler returns or throws (see `TurnHandler`). */
  async #processTurnJob(handler: TurnHandler, message: ConsumeMessage): Promise<Settlement> {
    const job = decodeTurnJob(message.content);
    if (!job) {
      this.#logger.error(
        { messageId: message.properties.messageId },
        'dropping a turn message that is not a valid turn job',
      );
      return 'drop';
    }
    try {
      await handler(job, { redelivered: message.fields.redelivered });
    } catch (error) {
      this.#logger.error({ err: error, turnId: job.turnId }, 'turn handler failed');
    }
    return 'ack';
  }

  async #processCompletion(
    handler: OperationCompletionHandler,
    message: ConsumeMessage,
  ): Promise<Settlement> {
    const completion = decodeOperationCompletion(message.content);
    if (!completion) {
      this.#logger.error(
        {
          messageId: message.properties.messageId,
          content: message.content.toString('utf8').slice(0, 200),
        },
        'dropping a message that is not an operation completion',
      );
      return 'ack';
    }
    try {
      await handler(completion);
      return 'ack';
    } catch (error) {
      this.#logger.error(
        {
          err: error,
          operationId: completion.operationId,
          redelivered: message.fields.redelivered,
          retryInMs: this.#completionRedeliveryDelayMs,
        },
        'operation completion failed; it will be redelivered',
      );
      await sleep(this.#completionRedeliveryDelayMs);
      return 'requeue';
    }
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
    await channel.assertExchange(this.operationCompletionExchangeName, 'direct', { durable: true });
    await channel.assertQueue(this.operationCompletionQueueName, { durable: true });
    await channel.bindQueue(
      this.operationCompletionQueueName,
      this.operationCompletionExchangeName,
      operationCompletionRoutingKey,
    );
    await this.#listenForCancels(model);
    this.#publisher = publisher;
    // Consumers registered while this ran are attached too.
    const attached = new Set<RabbitMqConsumer>();
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
