import { type ChannelModel, connect } from 'amqplib';
import type { Logger } from '../../logger.ts';
import { QueueUnavailableError } from '../turn-queue.ts';

/** The part of the project logger the RabbitMQ adapter writes to. */
export type QueueLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface RabbitMqConnectionOptions {
  url: string;
  /** Shown in RabbitMQ's connection list, so operators can tell the processes apart. */
  connectionName: string;
  logger: QueueLogger;
  /**
   * Runs on every new connection before anyone may use it: declares the topology and re-opens
   * channels and consumers. A throw drops that connection and schedules another attempt.
   */
  setup: (model: ChannelModel) => Promise<void>;
  /** How long `acquire` waits for a connection before failing with QueueUnavailableError. */
  unavailableAfterMs: number;
  /** Backoff between attempts: doubles from `initialMs` up to `maxMs`, with jitter. */
  reconnectDelay: { initialMs: number; maxMs: number };
}

/** A TCP connect or AMQP handshake that takes longer than this counts as a failed attempt. */
const connectTimeoutMs = 3_000;

/**
 * One AMQP connection that keeps itself alive: it reconnects with backoff whenever the broker
 * closes it, the socket dies or a channel fails, and re-runs `setup` each time. Callers never
 * wait long for it: `acquire` fails with QueueUnavailableError after `unavailableAfterMs`.
 */
export class RabbitMqConnection {
  readonly #options: RabbitMqConnectionOptions;
  /** Set only once `setup` has succeeded on it, so a current connection is always usable. */
  #current: ChannelModel | null = null;
  #blockedReason: string | null = null;
  #attempt = 0;
  #lastError: unknown = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #connecting: Promise<void> | null = null;
  #closed = false;
  /** Woken when a connection becomes current or the manager closes. */
  readonly #waiters = new Set<() => void>();

  constructor(options: RabbitMqConnectionOptions) {
    this.#options = options;
  }

  /** Starts the first attempt; further attempts follow on their own until `close`. */
  start(): void {
    if (this.#closed || this.#connecting || this.#current || this.#retryTimer) return;
    this.#connecting = this.#connect();
  }

  get current(): ChannelModel | null {
    return this.#current;
  }

  /** Why the broker refuses publishes right now (a resource alarm), or null. */
  get blockedReason(): string | null {
    return this.#blockedReason;
  }

  /** The current connection, waiting up to `unavailableAfterMs` for one. */
  async acquire(): Promise<ChannelModel> {
    const deadline = Date.now() + this.#options.unavailableAfterMs;
    for (;;) {
      if (this.#closed) throw new Error('the turn queue is closed');
      if (this.#current) return this.#current;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.#unavailable();
      await this.#wake(remaining);
    }
  }

  /**
   * Drops `model` if it is still the current connection, so the next one re-runs `setup`. Used
   * when one of its channels failed: re-declaring everything is the one recovery path there is.
   */
  reset(model: ChannelModel, reason: Error): void {
    if (this.#current !== model) return;
    this.#options.logger.warn({ err: reason }, 'resetting the RabbitMQ connection');
    model.close().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#notify();
    await this.#connecting;
    const model = this.#current;
    this.#current = null;
    await model?.close().catch(() => {});
  }

  async #connect(): Promise<void> {
    const { logger } = this.#options;
    let model: ChannelModel | undefined;
    let lost = false;
    try {
      model = await connect(this.#options.url, {
        timeout: connectTimeoutMs,
        // Without it Nagle's algorithm holds back small frames, adding ~40 ms to each confirm.
        noDelay: true,
        clientProperties: { connection_name: this.#options.connectionName },
      });
      const opened = model;
      opened.on('error', (error: Error) =>
        logger.warn({ err: error }, 'RabbitMQ connection error'),
      );
      opened.on('close', () => {
        lost = true;
        this.#lost(opened);
      });
      opened.on('blocked', (reason: string) => {
        this.#blockedReason = reason || 'blocked by the broker';
      });
      opened.on('unblocked', () => {
        this.#blockedReason = null;
      });
      if (this.#closed) throw new Error('closed while connecting');
      await this.#options.setup(opened);
      if (lost) throw new Error('the connection closed during setup');
      if (this.#closed) throw new Error('closed while connecting');
      this.#current = opened;
      this.#blockedReason = null;
      this.#attempt = 0;
      this.#connecting = null;
      logger.info({ connection: this.#options.connectionName }, 'connected to RabbitMQ');
      this.#notify();
    } catch (error) {
      this.#lastError = error;
      this.#connecting = null;
      await model?.close().catch(() => {});
      if (this.#closed) return;
      const delayMs = this.#scheduleReconnect();
      logger.warn(
        { err: error, attempt: this.#attempt, delayMs },
        'cannot reach RabbitMQ; retrying',
      );
    }
  }

  #lost(model: ChannelModel): void {
    if (this.#current !== model) return;
    this.#current = null;
    this.#blockedReason = null;
    this.#lastError = new Error('the connection to RabbitMQ was lost');
    if (this.#closed) return;
    this.#options.logger.warn('lost the RabbitMQ connection; reconnecting');
    this.#scheduleReconnect();
  }

  /** Returns the delay before the next attempt. */
  #scheduleReconnect(): number {
    const { initialMs, maxMs } = this.#options.reconnectDelay;
    const base = Math.min(maxMs, initialMs * 2 ** this.#attempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.2));
    if (this.#closed || this.#retryTimer) return delay;
    this.#attempt += 1;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#closed) this.#connecting = this.#connect();
    }, delay);
    return delay;
  }

  #wake(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.#waiters.add(wake);
    });
  }

  #notify(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  #unavailable(): QueueUnavailableError {
    const reason = this.#lastError instanceof Error ? this.#lastError.message : 'not connected yet';
    return new QueueUnavailableError(
      `RabbitMQ at ${redactPassword(this.#options.url)} is unavailable: ${reason}`,
      { cause: this.#lastError ?? undefined },
    );
  }
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the configured URL';
  }
}
