import { InProcessCompletions } from './in-process-turn-queue-completions.ts';
import type {
  CancelListener,
  ConsumeOptions,
  Consumer,
  OperationCompletion,
  OperationCompletionHandler,
  TurnHandler,
  TurnJob,
  TurnQueue,
} from './turn-queue.ts';

export type QueueErrorContext =
  | { turnId: string; source: 'handler' | 'cancel-listener' }
  | { operationId: string; source: 'operation-completion' };

export interface InProcessTurnQueueOptions {
  /**
   * Told about a handler or cancel listener that threw; the queue carries on either way. Without
   * it the error becomes a process warning, so it is never silent.
   */
  onError?: (error: unknown, context: QueueErrorContext) => void;
  /** How long a completion whose handler rejected waits before it is handed out again; 1 s. */
  completionRedeliveryDelayMs?: number;
}

interface ConsumerState {
  handler: TurnHandler;
  onError: NonNullable<InProcessTurnQueueOptions['onError']>;
  concurrency: number;
  inFlight: number;
  /** Resolved when a stopped consumer's last running handler returns. */
  drained: PromiseWithResolvers<void> | null;
}

interface CancelSubscription {
  listener: CancelListener;
  onError: NonNullable<InProcessTurnQueueOptions['onError']>;
}

/**
 * What peers share: one job list, every view's consumers and every view's cancel listeners,
 * and the operation completions.
 */
interface Bus {
  readonly jobs: TurnJob[];
  readonly completions: InProcessCompletions;
  readonly consumers: ConsumerState[];
  /** One entry per subscription, so the same function subscribed twice is called twice. */
  readonly cancelListeners: Set<CancelSubscription>;
  nextConsumer: number;
  openViews: number;
}

/**
 * The embedded TurnQueue: FIFO jobs in an array, handed to consumers round-robin while they have
 * free slots. Delivery is at most once: a job whose handler throws is not retried (its turn is
 * left to whoever closes stuck turns). Handlers always start on a later microtask, never inside
 * the `enqueue` or `consume` call. `broadcastCancel` calls every listener synchronously, before
 * its promise resolves.
 *
 * `createPeer` gives a second view of the same queue, standing in for another process attached
 * to the same broker: jobs enqueued on either view go to consumers of both, and a cancel reaches
 * the listeners of both. Closing a view stops only its own consumers and listeners; queued jobs
 * are dropped when the last view closes.
 */
export class InProcessTurnQueue implements TurnQueue {
  #bus: Bus;
  readonly #ownConsumers = new Set<ConsumerState>();
  readonly #ownCompletionConsumers = new Set<Consumer>();
  readonly #ownSubscriptions = new Set<CancelSubscription>();
  readonly #onError: NonNullable<InProcessTurnQueueOptions['onError']>;
  #closed = false;

  constructor(options: InProcessTurnQueueOptions = {}) {
    this.#onError = options.onError ?? reportAsWarning;
    this.#bus = {
      jobs: [],
      completions: new InProcessCompletions(options.completionRedeliveryDelayMs ?? 1_000),
      consumers: [],
      cancelListeners: new Set(),
      nextConsumer: 0,
      openViews: 1,
    };
  }

  /** Another view of this queue, with its own consumers, listeners and error reporting. */
  createPeer(options: InProcessTurnQueueOptions = {}): InProcessTurnQueue {
    this.#assertOpen();
    const peer = new InProcessTurnQueue(options);
    peer.#bus = this.#bus;
    this.#bus.openViews += 1;
    return peer;
  }

  async enqueue(job: TurnJob): Promise<void> {
    this.#assertOpen();
    this.#bus.jobs.push({ ...job });
    this.#dispatch();
  }

  async consume(handler: TurnHandler, options: ConsumeOptions): Promise<Consumer> {
    this.#assertOpen();
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
    const consumer: ConsumerState = {
      handler,
      onError: this.#onError,
      concurrency: options.concurrency,
      inFlight: 0,
      drained: null,
    };
    this.#bus.consumers.push(consumer);
    this.#ownConsumers.add(consumer);
    this.#dispatch();
    return { stop: () => this.#stop(consumer) };
  }

  async countConsumers(): Promise<number> {
    this.#assertOpen();
    return this.#bus.consumers.length;
  }

  async broadcastCancel(turnId: string): Promise<void> {
    this.#assertOpen();
    for (const { listener, onError } of [...this.#bus.cancelListeners]) {
      try {
        listener(turnId);
      } catch (error) {
        onError(error, { turnId, source: 'cancel-listener' });
      }
    }
  }

  onCancel(listener: CancelListener): () => void {
    this.#assertOpen();
    const subscription = { listener, onError: this.#onError };
    this.#bus.cancelListeners.add(subscription);
    this.#ownSubscriptions.add(subscription);
    return () => {
      this.#bus.cancelListeners.delete(subscription);
      this.#ownSubscriptions.delete(subscription);
    };
  }

  async publishOperationCompletion(completion: OperationCompletion): Promise<void> {
    this.#assertOpen();
    this.#bus.completions.publish(completion);
  }

  async consumeOperationCompletions(handler: OperationCompletionHandler): Promise<Consumer> {
    this.#assertOpen();
    const onError = this.#onError;
    const started = this.#bus.completions.consume(handler, (error, { operationId }) =>
      onError(error, { operationId, source: 'operation-completion' }),
    );
    const consumer: Consumer = {
      stop: async () => {
        this.#ownCompletionConsumers.delete(consumer);
        await started.stop();
      },
    };
    this.#ownCompletionConsumers.add(consumer);
    return consumer;
  }

  /**
   * Stops this view's consumers (waiting for running handlers) and drops its listeners; the last
   * view to close also drops the queued jobs.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#bus.openViews -= 1;
    // Running handlers may still be waiting for a cancel, so listeners go only after them.
    await Promise.all([
      ...[...this.#ownConsumers].map((consumer) => this.#stop(consumer)),
      ...[...this.#ownCompletionConsumers].map((consumer) => consumer.stop()),
    ]);
    for (const subscription of this.#ownSubscriptions) {
      this.#bus.cancelListeners.delete(subscription);
    }
    this.#ownSubscriptions.clear();
    if (this.#bus.openViews === 0) {
      this.#bus.jobs.length = 0;
      this.#bus.completions.clear();
    }
  }

  #dispatch(): void {
    while (this.#bus.jobs.length > 0) {
      const consumer = this.#nextFreeConsumer();
      const job = consumer && this.#bus.jobs.shift();
      if (!consumer || !job) return;
      void this.#run(consumer, job);
    }
  }

  #nextFreeConsumer(): ConsumerState | undefined {
    const { consumers } = this.#bus;
    const count = consumers.length;
    for (let offset = 0; offset < count; offset += 1) {
      const index = (this.#bus.nextConsumer + offset) % count;
      const consumer = consumers[index];
      if (consumer && consumer.inFlight < consumer.concurrency) {
        this.#bus.nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  async #run(consumer: ConsumerState, job: TurnJob): Promise<void> {
    consumer.inFlight += 1;
    try {
      await Promise.resolve();
      await consumer.handler(job, { redelivered: false });
    } catch (error) {
      consumer.onError(error, { turnId: job.turnId, source: 'handler' });
    } finally {
      consumer.inFlight -= 1;
      if (consumer.inFlight === 0) consumer.drained?.resolve();
      this.#dispatch();
    }
  }

  #stop(consumer: ConsumerState): Promise<void> {
    const index = this.#bus.consumers.indexOf(consumer);
    if (index !== -1) this.#bus.consumers.splice(index, 1);
    this.#ownConsumers.delete(consumer);
    if (consumer.drained === null) {
      consumer.drained = Promise.withResolvers<void>();
      if (consumer.inFlight === 0) consumer.drained.resolve();
    }
    return consumer.drained.promise;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('the turn queue is closed');
  }
}

function reportAsWarning(error: unknown, context: QueueErrorContext): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const subject =
    context.source === 'operation-completion'
      ? `operation ${context.operationId}`
      : `turn ${context.turnId}`;
  process.emitWarning(`${context.source} failed for ${subject}: ${detail}`, {
    code: 'DURABLE_CHAT_QUEUE_ERROR',
  });
}
