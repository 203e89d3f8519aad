import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { QueueLogger } from './rabbitmq-connection.ts';

/**
 * What becomes of a delivery once processed: `ack` consumes it, `drop` rejects it without
 * requeueing (the broker discards or dead-letters it), `requeue` hands it back to the broker,
 * which delivers it again flagged `redelivered`.
 */
export type Settlement = 'ack' | 'drop' | 'requeue';

export interface RabbitMqConsumerOptions {
  queueName: string;
  /** Names the consumer in logs, e.g. `turn consumer`. */
  description: string;
  /** Decodes and handles one delivery and says how to settle it; never rejects. */
  process: (message: ConsumeMessage) => Promise<Settlement>;
  concurrency: number;
  logger: QueueLogger;
  /** Told when the consumer's channel failed or the broker cancelled it; the connection resets. */
  onChannelLost: (model: ChannelModel, reason: Error) => void;
}

interface Delivery {
  channel: Channel;
  message: ConsumeMessage;
}

/**
 * One `consume` call: its own channel with prefetch = concurrency, so the broker never hands it
 * more messages than it may process and keeps the rest for other consumers. A message is settled
 * as `process` says once it has finished. If the channel dies first, its unacked messages go
 * back to the broker, which redelivers them flagged `redelivered`; the processing still running
 * here finishes, but its settlement is skipped since the delivery is gone with the channel.
 *
 * Handlers left over from a lost channel still hold their slots, so after a reconnect fresh
 * deliveries wait here (unacked, hence safe) until the running count drops below concurrency.
 */
export class RabbitMqConsumer {
  readonly #options: RabbitMqConsumerOptions;
  #model: ChannelModel | null = null;
  #channel: Channel | null = null;
  #consumerTag: string | null = null;
  #attaching: Promise<void> = Promise.resolve();
  readonly #closedChannels = new WeakSet<Channel>();
  readonly #waiting: Delivery[] = [];
  #inFlight = 0;
  #stopping = false;
  #stopped: Promise<void> | null = null;
  #drained: PromiseWithResolvers<void> | null = null;

  constructor(options: RabbitMqConsumerOptions) {
    this.#options = options;
  }

  /** Starts consuming on `model` unless this consumer already does or is stopping. */
  attach(model: ChannelModel): Promise<void> {
    if (this.#stopping || this.#model === model) return this.#attaching;
    this.#model = model;
    this.#attaching = this.#open(model).catch((error: unknown) => {
      if (this.#model === model) this.#model = null;
      throw error;
    });
    return this.#attaching;
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #open(model: ChannelModel): Promise<void> {
    const channel = await model.createChannel();
    channel.on('error', (error: Error) =>
      this.#options.logger.warn({ err: error }, `${this.#options.description} channel error`),
    );
    channel.on('close', () => this.#channelClosed(model, channel));
    if (this.#stopping || this.#model !== model) {
      await this.#close(channel);
      return;
    }
    // Set before the next await, so a close at any later point is seen as this consumer's loss.
    this.#channel = channel;
    await channel.prefetch(this.#options.concurrency);
    const { consumerTag } = await channel.consume(
      this.#options.queueName,
      (message) => this.#deliver(model, channel, message),
      { noAck: false },
    );
    if (this.#channel === channel) this.#consumerTag = consumerTag;
  }

  #deliver(model: ChannelModel, channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (its queue was deleted): re-declare and re-consume.
      this.#options.onChannelLost(
        model,
        new Error(`the broker cancelled the ${this.#options.description}`),
      );
      return;
    }
    if (this.#stopping) {
      settle(channel, (open) => open.nack(message, false, true));
      return;
    }
    if (this.#inFlight < this.#options.concurrency) void this.#run({ channel, message });
    else this.#waiting.push({ channel, message });
  }

  async #run({ channel, message }: Delivery): Promise<void> {
    this.#inFlight += 1;
    try {
      const settlement = await this.#options.process(message);
      if (this.#closedChannels.has(channel)) return;
      settle(channel, (open) => {
        if (settlement === 'ack') open.ack(message);
        else open.nack(message, false, settlement === 'requeue');
      });
    } finally {
      this.#inFlight -= 1;
      this.#next();
    }
  }

  #next(): void {
    while (this.#waiting.length > 0 && this.#inFlight < this.#options.concurrency) {
      const delivery = this.#waiting.shift();
      if (delivery && !this.#closedChannels.has(delivery.channel)) void this.#run(delivery);
    }
    if (this.#inFlight === 0) this.#drained?.resolve();
  }

  #channelClosed(model: ChannelModel, channel: Channel): void {
    this.#closedChannels.add(channel);
    // The broker takes back every unacked delivery of a closed channel, waiting ones included.
    for (let index = this.#waiting.length - 1; index >= 0; index -= 1) {
      if (this.#waiting[index]?.channel === channel) this.#waiting.splice(index, 1);
    }
    if (this.#channel !== channel) return;
    this.#channel = null;
    this.#consumerTag = null;
    this.#model = null;
    if (!this.#stopping) {
      this.#options.onChannelLost(
        model,
        new Error(`the ${this.#options.description} channel closed`),
      );
    }
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    await this.#attaching.catch(() => {});
    const channel = this.#channel;
    const consumerTag = this.#consumerTag;
    if (channel && consumerTag) await channel.cancel(consumerTag).catch(() => {});
    for (const { channel: from, message } of this.#waiting.splice(0)) {
      settle(from, (open) => open.nack(message, false, true));
    }
    if (this.#inFlight > 0) {
      this.#drained = Promise.withResolvers<void>();
      await this.#drained.promise;
    }
    if (channel) await this.#close(channel);
  }

  async #close(channel: Channel): Promise<void> {
    if (this.#closedChannels.has(channel)) return;
    this.#closedChannels.add(channel);
    await channel.close().catch(() => {});
  }
}

/** Acks or nacks unless the channel closed meanwhile (the broker then requeued the delivery). */
function settle(channel: Channel, action: (channel: Channel) => void): void {
  try {
    action(channel);
  } catch {
    // IllegalOperationError: the channel closed; nothing is left to settle.
  }
}
