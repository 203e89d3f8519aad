import type { Consumer, OperationCompletion, OperationCompletionHandler } from './turn-queue.ts';

interface CompletionConsumer {
  handler: OperationCompletionHandler;
  onError: (error: unknown, completion: OperationCompletion) => void;
  inFlight: number;
  /** Resolved when a stopped consumer's last running handler returns. */
  drained: PromiseWithResolvers<void> | null;
}

/**
 * The operation completions of the embedded TurnQueue, shared by all its views: a FIFO list
 * handed to consumers round-robin, at once and without a concurrency limit (applying one is a
 * few store calls). A completion whose handler rejects goes back to the head of the list after
 * `redeliveryDelayMs`, so a failing store is retried without spinning. Nothing survives the
 * process: in embedded mode services complete operations through the webhook.
 */
export class InProcessCompletions {
  readonly #redeliveryDelayMs: number;
  readonly #pending: OperationCompletion[] = [];
  readonly #consumers: CompletionConsumer[] = [];
  readonly #redeliveries = new Set<NodeJS.Timeout>();
  #nextConsumer = 0;

  constructor(redeliveryDelayMs: number) {
    this.#redeliveryDelayMs = redeliveryDelayMs;
  }

  publish(completion: OperationCompletion): void {
    this.#pending.push(structuredClone(completion));
    this.#dispatch();
  }

  consume(handler: OperationCompletionHandler, onError: CompletionConsumer['onError']): Consumer {
    const consumer: CompletionConsumer = { handler, onError, inFlight: 0, drained: null };
    this.#consumers.push(consumer);
    this.#dispatch();
    return { stop: () => this.stop(consumer) };
  }

  /** Takes no more completions for `consumer`; resolves when its running handlers have returned. */
  stop(consumer: CompletionConsumer): Promise<void> {
    const index = this.#consumers.indexOf(consumer);
    if (index !== -1) this.#consumers.splice(index, 1);
    if (consumer.drained === null) {
      consumer.drained = Promise.withResolvers<void>();
      if (consumer.inFlight === 0) consumer.drained.resolve();
    }
    return consumer.drained.promise;
  }

  /** Drops what is queued or waiting for redelivery: the last view of the queue closed. */
  clear(): void {
    for (const timer of this.#redeliveries) clearTimeout(timer);
    this.#redeliveries.clear();
    this.#pending.length = 0;
  }

  #dispatch(): void {
    while (this.#pending.length > 0 && this.#consumers.length > 0) {
      this.#nextConsumer %= this.#consumers.length;
      const consumer = this.#consumers[this.#nextConsumer];
      const completion = this.#pending.shift();
      this.#nextConsumer += 1;
      if (consumer && completion) void this.#run(consumer, completion);
    }
  }

  async #run(consumer: CompletionConsumer, completion: OperationCompletion): Promise<void> {
    consumer.inFlight += 1;
    try {
      await Promise.resolve();
      await consumer.handler(structuredClone(completion));
    } catch (error) {
      consumer.onError(error, completion);
      this.#redeliver(completion);
    } finally {
      consumer.inFlight -= 1;
      if (consumer.inFlight === 0) consumer.drained?.resolve();
    }
  }

  #redeliver(completion: OperationCompletion): void {
    const timer = setTimeout(() => {
      this.#redeliveries.delete(timer);
      this.#pending.unshift(completion);
      this.#dispatch();
    }, this.#redeliveryDelayMs);
    this.#redeliveries.add(timer);
  }
}
