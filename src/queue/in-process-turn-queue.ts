import type {
  CancelListener,
  ConsumeOptions,
  Consumer,
  TurnHandler,
  TurnJob,
  TurnQueue,
} from './turn-queue.ts';

export interface QueueErrorContext {
  turnId: string;
  source: 'handler' | 'cancel-listener';
}

export interface InProcessTurnQueueOptions {
  /**
   * Told about a handler or cancel listener that threw; the queue carries on either way. Without
   * it the error becomes a process warning, so it is never silent.
   */
  onError?: (error: unknown, context: QueueErrorContext) => void;
}

interface ConsumerState {
  handler: TurnHandler;
  concurrency: number;
  inFlight: number;
  /** Resolved when a stopped consumer's last running handler returns. */
  drained: PromiseWithResolvers<void> | null;
}

/**
 * The embedded TurnQueue: FIFO jobs in an array, handed to consumers round-robin while they have
 * free slots. Delivery is at most once: a job whose handler throws is not retried (its turn is
 * left to whoever closes stuck turns). Handlers always start on a later microtask, never inside
 * the `enqueue` or `consume` call. `broadcastCancel` calls every listener synchronously, before
 * its promise resolves.
 */
export class InProcessTurnQueue implements TurnQueue {
  readonly #jobs: TurnJob[] = [];
  readonly #consumers: ConsumerState[] = [];
  /** One entry per subscription, so the same function subscribed twice is called twice. */
  readonly #cancelListeners = new Set<{ listener: CancelListener }>();
  readonly #onError: NonNullable<InProcessTurnQueueOptions['onError']>;
  #nextConsumer = 0;
  #closed = false;

  constructor(options: InProcessTurnQueueOptions = {}) {
    this.#onError = options.onError ?? reportAsWarning;
  }

  async enqueue(job: TurnJob): Promise<void> {
    this.#assertOpen();
    this.#jobs.push({ ...job });
    this.#dispatch();
  }

  async consume(handler: TurnHandler, options: ConsumeOptions): Promise<Consumer> {
    this.#assertOpen();
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
    const consumer: ConsumerState = {
      handler,
      concurrency: options.concurrency,
      inFlight: 0,
      drained: null,
    };
    this.#consumers.push(consumer);
    this.#dispatch();
    return { stop: () => this.#stop(consumer) };
  }

  async broadcastCancel(turnId: string): Promise<void> {
    this.#assertOpen();
    for (const { listener } of [...this.#cancelListeners]) {
      try {
        listener(turnId);
      } catch (error) {
        this.#onError(error, { turnId, source: 'cancel-listener' });
      }
    }
  }

  onCancel(listener: CancelListener): () => void {
    this.#assertOpen();
    const subscription = { listener };
    this.#cancelListeners.add(subscription);
    return () => {
      this.#cancelListeners.delete(subscription);
    };
  }

  /** Stops every consumer (waiting for running handlers), then drops queued jobs and listeners. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((consumer) => this.#stop(consumer)));
    this.#jobs.length = 0;
    this.#cancelListeners.clear();
  }

  #dispatch(): void {
    while (this.#jobs.length > 0) {
      const consumer = this.#nextFreeConsumer();
      const job = consumer && this.#jobs.shift();
      if (!consumer || !job) return;
      void this.#run(consumer, job);
    }
  }

  #nextFreeConsumer(): ConsumerState | undefined {
    const count = this.#consumers.length;
    for (let offset = 0; offset < count; offset += 1) {
      const index = (this.#nextConsumer + offset) % count;
      const consumer = this.#consumers[index];
      if (consumer && consumer.inFlight < consumer.concurrency) {
        this.#nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  async #run(consumer: ConsumerState, job: TurnJob): Promise<void> {
    consumer.inFlight += 1;
    try {
      await Promise.resolve();
      await consumer.handler(job);
    } catch (error) {
      this.#onError(error, { turnId: job.turnId, source: 'handler' });
    } finally {
      consumer.inFlight -= 1;
      if (consumer.inFlight === 0) consumer.drained?.resolve();
      this.#dispatch();
    }
  }

  #stop(consumer: ConsumerState): Promise<void> {
    const index = this.#consumers.indexOf(consumer);
    if (index !== -1) this.#consumers.splice(index, 1);
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
  process.emitWarning(`${context.source} failed for turn ${context.turnId}: ${detail}`, {
    code: 'DURABLE_CHAT_QUEUE_ERROR',
  });
}
