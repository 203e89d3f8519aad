import { Connection } from 'rabbitmq-client';
import type { Logger } from '../../logger.ts';
import { QueueUnavailableError } from '../turn-queue.ts';
import { withinDeadline } from './within-deadline.ts';

/** The part of the project logger the RabbitMQ adapter writes to. */
export type QueueLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface BrokerConnectionOptions {
  url: string;
  /** Shown in RabbitMQ's connection list, so operators can tell the processes apart. */
  connectionName: string;
  logger: QueueLogger;
  /** How long a call waits for a (re)connection before failing with QueueUnavailableError. */
  unavailableAfterMs: number;
  /** Shortest and longest pause between reconnect attempts (exponential backoff with jitter). */
  reconnectDelay: { initialMs: number; maxMs: number };
  /** Runs on every new connection (declares the topology); the connection is ready after it. */
  onConnected: (connection: Connection) => Promise<void>;
}

/** A TCP connect or AMQP handshake that takes longer than this counts as a failed attempt. */
const connectTimeoutMs = 3_000;

/**
 * rabbitmq-client's connection, which reconnects with backoff on its own, plus what the turn
 * queue's contract adds: callers never wait long for it (QueueUnavailableError after
 * `unavailableAfterMs`, naming the broker without its password), and it tells why the broker
 * refuses publishes while it does (a resource alarm).
 */
export class BrokerConnection {
  readonly connection: Connection;
  readonly #options: BrokerConnectionOptions;
  /** `onConnected` on the current connection, and whether it has succeeded. */
  #setUp: Promise<void> = Promise.resolve();
  #isSetUp = false;
  #blockedReason: string | null = null;
  #lastError: unknown = null;

  constructor(options: BrokerConnectionOptions) {
    this.#options = options;
    this.connection = new Connection({
      url: options.url,
      connectionName: options.connectionName,
      connectionTimeout: connectTimeoutMs,
      // Channels (publishing, consuming) wait this long for a connection, then fail.
      acquireTimeout: options.unavailableAfterMs,
      retryLow: options.reconnectDelay.initialMs,
      retryHigh: options.reconnectDelay.maxMs,
      // Without it Nagle's algorithm holds back small frames, adding ~40 ms to each confirm.
      noDelay: true,
    });
    this.#watch();
  }

  /** Connected, and `onConnected` has succeeded on this connection. */
  get isReady(): boolean {
    return this.connection.ready && this.#isSetUp;
  }

  /** Why the broker refuses publishes right now (a resource alarm), or null. */
  get blockedReason(): string | null {
    return this.#blockedReason;
  }

  /** Resolves at once while connected (blocked counts: publishing says why it refuses). */
  async waitForConnection(): Promise<void> {
    if (this.connection.ready || this.#blockedReason !== null) return;
    try {
      await this.connection.onConnect(this.#options.unavailableAfterMs, true);
    } catch (error) {
      throw this.unavailable(this.#lastError ?? error);
    }
  }

  /** Resolves once connected and set up, or fails like `waitForConnection`. */
  async waitUntilSetUp(): Promise<void> {
    await this.waitForConnection();
    try {
      await withinDeadline(
        this.#setUp,
        this.#options.unavailableAfterMs,
        'RabbitMQ did not declare the topology in time',
      );
    } catch (error) {
      throw this.unavailable(error);
    }
    if (!this.#isSetUp) throw this.unavailable(this.#lastError);
  }

  unavailable(cause: unknown): QueueUnavailableError {
    const reason = cause instanceof Error ? cause.message : 'not connected yet';
    return new QueueUnavailableError(
      `RabbitMQ at ${redactPassword(this.#options.url)} is unavailable: ${reason}`,
      { cause },
    );
  }

  /** Waits for every channel to be closed first (the library's rule), then disconnects. */
  close(): Promise<void> {
    return this.connection.close();
  }

  #watch(): void {
    const { connection } = this;
    const { logger, url } = this.#options;
    // Reported once per outage; the library keeps retrying on its own.
    connection.on('error', (error: unknown) => {
      this.#lastError = error;
      logger.warn({ err: error }, 'RabbitMQ connection error; reconnecting');
    });
    connection.on('connection', () => {
      this.#blockedReason = null;
      this.#isSetUp = false;
      this.#setUp = this.#options.onConnected(connection).then(
        () => {
          this.#isSetUp = true;
          logger.info({ url: redactPassword(url) }, 'connected to RabbitMQ');
        },
        (error: unknown) => {
          this.#lastError = error;
          logger.error({ err: error }, 'could not declare the RabbitMQ topology');
        },
      );
    });
    connection.on('connection.blocked', (reason: string) => {
      this.#blockedReason = reason || 'blocked by the broker';
    });
    connection.on('connection.unblocked', () => {
      this.#blockedReason = null;
    });
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
