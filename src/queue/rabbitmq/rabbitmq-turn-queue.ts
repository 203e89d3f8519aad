import { hostname } from 'node:os';
import {
  type AsyncMessage,
  type Consumer as AmqpConsumer,
  type ConsumerProps,
  ConsumerStatus,
  type Envelope,
} from 'rabbitmq-client';
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
import { BrokerConnection, type QueueLogger } from './broker-connection.ts';
import { ConfirmedPublisher } from './confirmed-publisher.ts';
import { processCompletion, processTurnJob } from './delivery-processing.ts';
import { HandlerSlots } from './handler-slots.ts';
import { consuming, stopConsumer } from './library-consumer.ts';
import { encodeOperationCompletion } from './operation-completion-message.ts';
import {
  cancelListenerTopology,
  completionConsumerTopology,
  declareTopology,
  defaultCancelExchangeName,
  defaultOperationCompletionExchangeName,
  defaultOperationCompletionQueueName,
  defaultTurnQueueName,
  operationCompletionRoutingKey,
  type TopologyNames,
  turnQueueDeclaration,
} from './rabbitmq-topology.ts';
import { decodeCancel, encodeCancel, encodeTurnJob } from './turn-job-message.ts';
import { withinDeadline } from './within-deadline.ts';

/** How long a turn job waits for this process's cancel queue to be bound after a reconnect. */
const cancelQueueWaitMs = 5_000;

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
  /** Shortest and longest pause between reconnect attempts (exponential backoff with jitter). */
  reconnectDelay?: { initialMs: number; maxMs: number };
  /** Shown in RabbitMQ's connection list; default names the host and process. */
  connectionName?: string;
}

/**
 * The scale-out TurnQueue on RabbitMQ, on rabbitmq-client: its connection reconnects with
 * backoff, and its publisher and consumers each re-open their channel and re-declare what they
 * use on every new connection. Jobs go through a durable quorum queue as persistent JSON
 * messages, published with confirms; each `consume` call is one library consumer with prefetch
 * = concurrency that acks a job when its handler has returned. Cancels go through a fanout
 * exchange to ONE exclusive, auto-delete, server-named queue per instance, so every process
 * hears every cancel (one shared cancel queue would reach only one of them).
 *
 * While there is no connection, calls fail within `unavailableAfterMs` with
 * QueueUnavailableError instead of hanging. Cancels broadcast while an instance is disconnected
 * are not replayed to it: the registry's durable cancel flag covers that gap. A consumer whose
 * connection was lost consumes again at once, while the handlers it was running finish (see
 * `HandlerSlots`); their jobs went back to the broker and are redelivered, flagged.
 *
 * Operation completions follow the seed: persistent JSON messages on a durable direct exchange,
 * routed with `operation.complete` to one durable (classic, as the seed and the services built
 * for it declare it) queue, which every instance declares so a completion published before any
 * API runs waits there. A completion is acked once its handler resolved; one whose handler
 * rejected is held for `completionRedeliveryDelayMs` (so a store outage is not a busy loop)
 * and then requeued, and the broker redelivers it; a message that is not a completion is logged
 * and acked, since redelivering it could never succeed.
 */
export class RabbitMqTurnQueue implements TurnQueue, TopologyNames {
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
  readonly #unavailableAfterMs: number;
  readonly #confirmTimeoutMs: number;
  readonly #broker: BrokerConnection;
  readonly #publisher: ConfirmedPublisher;
  readonly #cancelListener: AmqpConsumer;
  /** Each running consumer with the slots its handlers run in. */
  readonly #consumers = new Map<AmqpConsumer, HandlerSlots>();
  /** One entry per subscription, so the same function subscribed twice is called twice. */
  readonly #cancelListeners = new Set<{ listener: CancelListener }>();
  /** Jobs delivered while this process's cancel queue is not bound wait on this. */
  #cancelQueueWait: Promise<boolean> | null = null;
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
    this.#unavailableAfterMs = options.unavailableAfterMs ?? 1_000;
    this.#confirmTimeoutMs = options.confirmTimeoutMs ?? 5_000;
    this.#broker = new BrokerConnection({
      url: options.url,
      connectionName:
        options.connectionName ?? `durable-chat turn queue ${hostname()} pid ${process.pid}`,
      logger: this.#logger,
      unavailableAfterMs: this.#unavailableAfterMs,
      reconnectDelay: options.reconnectDelay ?? { initialMs: 100, maxMs: 5_000 },
      // A new connection means the last one is gone, with every delivery received on it; and
      // the topology is declared again, since the broker may have lost it.
      onConnected: (connection) => {
        for (const slots of this.#consumers.values()) slots.connectionLost();
        return declareTopology(connection, this);
      },
    });
    this.#publisher = new ConfirmedPublisher(this.#broker.connection, {
      timeoutMs: this.#confirmTimeoutMs,
    });
    this.#cancelListener = this.#createConsumer(
      'cancel listener',
      { ...cancelListenerTopology(this), noAck: true },
      (message) => this.#hearCancel(message),
    );
  }

  /**
   * True while connected with the topology declared and this instance's cancel queue bound:
   * what a readiness probe reports.
   */
  get isConnected(): boolean {
    return this.#broker.isReady && this.#cancelListener.consumerTag !== '';
  }

  /**
   * Resolves once connected, the topology declared and the cancel queue bound; rejects with
   * QueueUnavailableError after `unavailableAfterMs` without a connection.
   */
  async ready(): Promise<void> {
    this.#assertOpen();
    await this.#broker.waitUntilSetUp();
    if (!(await consuming(this.#cancelListener, this.#unavailableAfterMs))) {
      throw this.#broker.unavailable(new Error('the cancel queue was not bound in time'));
    }
  }

  async enqueue(job: TurnJob): Promise<void> {
    await this.#publish(
      { routingKey: this.turnQueueName, durable: true, mandatory: true, type: 'turn-job' },
      encodeTurnJob(job),
    );
  }

  /**
   * Starts a consumer that survives reconnects, once it consumes. Fails with
   * QueueUnavailableError when there is no connection within `unavailableAfterMs`.
   */
  async consume(handler: TurnHandler, options: ConsumeOptions): Promise<Consumer> {
    this.#assertOpen();
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
    return this.#startConsumer(
      'turn consumer',
      {
        queue: this.turnQueueName,
        queueOptions: turnQueueDeclaration(this),
        concurrency: options.concurrency,
        // The broker hands out no more than may run, keeping the rest for other consumers.
        qos: { prefetchCount: options.concurrency },
      },
      async (message) => {
        // A turn is stoppable from its first chunk only if this process hears Stop, through its
        // own cancel queue, which a reconnect binds again on its own schedule (the job consumer
        // may be back first). A job waits for it; past the bound, the registry's cancel flag
        // still stops the turn, only later.
        await this.#cancelQueueBound();
        return processTurnJob(handler, message, this.#logger);
      },
    );
  }

  async publishOperationCompletion(completion: OperationCompletion): Promise<void> {
    await this.#publish(
      {
        exchange: this.operationCompletionExchangeName,
        routingKey: operationCompletionRoutingKey,
        durable: true,
        mandatory: true,
        type: 'operation-completion',
      },
      encodeOperationCompletion(completion),
    );
  }

  /** Like `consume`: survives reconnects; fails with QueueUnavailableError without a connection. */
  async consumeOperationCompletions(handler: OperationCompletionHandler): Promise<Consumer> {
    this.#assertOpen();
    return this.#startConsumer(
      'operation completion consumer',
      {
        ...completionConsumerTopology(this),
        concurrency: completionConcurrency,
        qos: { prefetchCount: completionConcurrency },
      },
      (message) =>
        processCompletion(handler, message, {
          logger: this.#logger,
          redeliveryDelayMs: this.#completionRedeliveryDelayMs,
        }),
    );
  }

  /** A passive declare of the turn queue, bounded like a confirm. */
  async countConsumers(): Promise<number> {
    await this.#waitForConnection();
    try {
      const { consumerCount } = await withinDeadline(
        this.#broker.connection.queueDeclare({ queue: this.turnQueueName, passive: true }),
        this.#confirmTimeoutMs,
        'RabbitMQ did not answer a queue check in time',
      );
      return consumerCount;
    } catch (error) {
      if (error instanceof QueueUnavailableError) throw error;
      throw new QueueUnavailableError('RabbitMQ could not check the turn queue', { cause: error });
    }
  }

  async broadcastCancel(turnId: string): Promise<void> {
    await this.#publish(
      { exchange: this.cancelExchangeName, routingKey: '', type: 'cancel' },
      encodeCancel(turnId),
    );
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
      await Promise.all(
        [...this.#consumers].map(([consumer, slots]) => stopConsumer(consumer, slots)),
      );
      this.#consumers.clear();
      this.#cancelListeners.clear();
      await Promise.all([this.#cancelListener.close(), this.#publisher.close()]);
      // The library's close waits for every channel, so it comes after theirs.
      await this.#broker.close();
    })();
    return this.#closing;
  }

  /** `props.concurrency` must be set: it sizes the slots the handlers run in. */
  async #startConsumer(
    description: string,
    props: ConsumerProps & { concurrency: number },
    process: (message: AsyncMessage) => Promise<ConsumerStatus>,
  ): Promise<Consumer> {
    await this.#waitForConnection();
    const slots = new HandlerSlots(props.concurrency);
    const consumer = this.#createConsumer(description, props, async (message) => {
      const outcome = await slots.run(() => process(message));
      // A lost delivery has nothing left to settle; the library's attempt is logged and harmless.
      return outcome.type === 'handled' ? outcome.result : ConsumerStatus.REQUEUE;
    });
    this.#consumers.set(consumer, slots);
    if (!(await consuming(consumer, this.#unavailableAfterMs))) {
      this.#consumers.delete(consumer);
      await stopConsumer(consumer, slots);
      throw this.#broker.unavailable(new Error(`the ${description} did not start in time`));
    }
    return {
      stop: async () => {
        await stopConsumer(consumer, slots);
        this.#consumers.delete(consumer);
      },
    };
  }

  #createConsumer(
    description: string,
    props: ConsumerProps,
    handler: (message: AsyncMessage) => Promise<ConsumerStatus> | void,
  ): AmqpConsumer {
    const consumer = this.#broker.connection.createConsumer(props, handler);
    // Channel failures, acks lost with a connection, a queue deleted under it: it recovers alone.
    consumer.on('error', (error: unknown) =>
      this.#logger.warn({ err: error }, `RabbitMQ ${description} error; it recovers`),
    );
    return consumer;
  }

  /** One wait for the cancel queue, however many jobs wait on it (one listener, not one each). */
  #cancelQueueBound(): Promise<boolean> {
    if (this.#cancelListener.consumerTag !== '') return Promise.resolve(true);
    this.#cancelQueueWait ??= consuming(this.#cancelListener, cancelQueueWaitMs).finally(() => {
      this.#cancelQueueWait = null;
    });
    return this.#cancelQueueWait;
  }

  #hearCancel(message: AsyncMessage): void {
    const turnId = decodeCancel(message.body);
    if (turnId === null) {
      this.#logger.error('ignoring a cancel message without a turn id');
      return;
    }
    for (const { listener } of [...this.#cancelListeners]) {
      try {
        listener(turnId);
      } catch (error) {
        this.#logger.error({ err: error, turnId }, 'cancel listener failed');
      }
    }
  }

  async #publish(envelope: Envelope, content: Buffer): Promise<void> {
    await this.#waitForConnection();
    const { blockedReason } = this.#broker;
    if (blockedReason !== null) {
      throw new QueueUnavailableError(`RabbitMQ refuses publishes for now: ${blockedReason}`);
    }
    await this.#publisher.publish(envelope, content, {
      // A queue deleted under us is declared again, so the next publish finds it.
      onUnroutable: () => {
        declareTopology(this.#broker.connection, this).catch((error: unknown) =>
          this.#logger.warn({ err: error }, 'could not declare the RabbitMQ topology again'),
        );
      },
    });
  }

  async #waitForConnection(): Promise<void> {
    this.#assertOpen();
    await this.#broker.waitForConnection();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the turn queue is closed');
  }
}
