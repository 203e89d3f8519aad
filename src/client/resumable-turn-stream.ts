import type { UIMessageChunk } from 'ai';
import { parseEventId } from '../protocol/event-id.ts';
import { multitaskHeader, streamAfterHeader, turnIdHeader } from '../protocol/stream-headers.ts';
import type { MultitaskOutcome } from './api-types.ts';
import { DurableChatApiError } from './durable-chat-api-error.ts';
import {
  DurableChatConnectionError,
  DurableChatProtocolError,
} from './durable-chat-connection-error.ts';
import { IdleTimer } from './idle-timer.ts';
import { parseChunk, readSseEvents } from './sse-events.ts';

/**
 * One chunk of a turn with the position the server gave it (positions start at 1). A terminal
 * chunk the server sent to this reader alone (no id: the turn's state was lost) carries the last
 * position delivered, and the turn id of the stream ('' if nothing was delivered yet).
 */
export interface TurnStreamEvent {
  turnId: string;
  position: number;
  chunk: UIMessageChunk;
}

/** A place in a turn: the `Last-Event-ID` of the next reconnect is `<turnId>:<position>`. */
export interface TurnCursor {
  turnId: string;
  position: number;
}

export interface ReconnectPolicy {
  /** Reconnects in a row without new chunks before giving up. Defaults to 3. */
  retries: number;
  /** Wait before the first reconnect; each further one waits `factor` times longer. 1000 ms. */
  initialDelayMs: number;
  factor: number;
  maxDelayMs: number;
}

export const defaultIdleTimeoutMs = 45_000;

export const defaultReconnectPolicy: Readonly<ReconnectPolicy> = {
  retries: 3,
  initialDelayMs: 1000,
  factor: 2,
  maxDelayMs: 30_000,
};

export interface ReconnectAttempt {
  /** 1 for the first reconnect after progress, 2 for the next, … */
  attempt: number;
  delayMs: number;
  /** Where the reconnect resumes; null when no chunk was received yet. */
  after: TurnCursor | null;
  /** Why the previous connection is considered lost. */
  error: unknown;
}

export interface TurnStreamOptions {
  /** Stops reading (and reconnecting) at once. It is not a cancel: the turn keeps running. */
  signal?: AbortSignal;
  /** Reconnect policy, or false to fail on the first dropped connection. */
  reconnect?: Partial<ReconnectPolicy> | false;
  /** Told before every reconnect, e.g. to show "reconnecting…". */
  onReconnect?: (attempt: ReconnectAttempt) => void;
  /**
   * A connection on which nothing arrives for this long — no response, no chunk, not even the
   * server's heartbeat (`HEARTBEAT_INTERVAL_MS`, 15 s by default) — is taken for dead and
   * resumed, as a link that died without a reset (a laptop waking up, a dropped NAT entry)
   * would otherwise keep the reader waiting forever. Keep it above the server's heartbeat
   * interval. Defaults to 45 000 ms; false never gives up on a silent connection.
   */
  idleTimeoutMs?: number | false;
}

export interface ConnectRequest {
  /** null for the first request of the stream (and its retries); else resume after this. */
  after: TurnCursor | null;
  signal: AbortSignal;
}

/** Opens one connection; resolves null on 204 (nothing to read), throws on other errors. */
export type TurnConnector = (request: ConnectRequest) => Promise<Response | null>;

const terminalChunkTypes = new Set(['finish', 'error', 'abort']);
const retryableStatuses = new Set([502, 503, 504]);

/**
 * Reads one turn over SSE and survives dropped connections: when the network fails, or the body
 * ends before the `[DONE]` marker and before a terminal chunk, it reconnects with
 * `Last-Event-ID: <turnId>:<position>` and exponential backoff, and drops every position it has
 * already delivered — so the caller sees each chunk exactly once, in order. Iterate it once,
 * with `for await`, or hand it to `useChat` through `toUIMessageStream()`.
 *
 * An abort through `options.signal` ends the iteration with the signal's reason (an
 * `AbortError`, as `fetch` does) and never reconnects. API errors (401, 403, 404, 409, …) are
 * thrown as `DurableChatApiError` and never retried; only network failures and 502/503/504 are.
 */
export class ResumableTurnStream implements AsyncIterable<TurnStreamEvent> {
  /** Opens the first connection (retrying network failures); null when the server answers 204. */
  static async open(
    connect: TurnConnector,
    options: TurnStreamOptions & { after?: TurnCursor | null } = {},
  ): Promise<ResumableTurnStream | null> {
    const stream = new ResumableTurnStream(connect, options, options.after ?? null);
    const first = await stream.#connectWithRetries(stream.#cursor);
    if (first === null) return null;
    stream.#pending = first;
    return stream;
  }

  readonly #connect: TurnConnector;
  readonly #policy: ReconnectPolicy;
  readonly #signal: AbortSignal;
  readonly #onReconnect: ((attempt: ReconnectAttempt) => void) | undefined;
  readonly #idleTimeoutMs: number | false;
  readonly #startedAfter: TurnCursor | null;
  #cursor: TurnCursor | null;
  /** The turn the server said it serves, before any chunk of it arrived. */
  #announcedTurnId: string | null = null;
  /** Where the server said the stream starts (`x-durable-chat-after`): 0 but for approvals. */
  #announcedAfter = 0;
  #multitask: MultitaskOutcome | null = null;
  #pending: Response | null = null;
  #failures = 0;
  #iterated = false;

  private constructor(
    connect: TurnConnector,
    options: TurnStreamOptions,
    after: TurnCursor | null,
  ) {
    this.#connect = connect;
    this.#policy =
      options.reconnect === false
        ? { ...defaultReconnectPolicy, retries: 0 }
        : { ...defaultReconnectPolicy, ...options.reconnect };
    this.#signal = options.signal ?? new AbortController().signal;
    this.#onReconnect = options.onReconnect;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? defaultIdleTimeoutMs;
    this.#startedAfter = after;
    this.#cursor = after;
  }

  /**
   * The turn this stream reads (the server's `X-Durable-Chat-Turn-Id`, else the turn of the
   * first chunk); null when neither is known yet.
   */
  get turnId(): string | null {
    return this.#cursor?.turnId ?? this.#announcedTurnId;
  }

  /**
   * What the server did with a sent message (`x-durable-chat-multitask`): `started` a turn, `steered` it into
   * or `queued` it for the running turn (this stream then replays that turn from its start), or
   * `interrupted` the running turn for a new one (this stream reads the new turn). Null for a
   * re-attach, or a server that predates follow-ups.
   */
  get multitask(): MultitaskOutcome | null {
    return this.#multitask;
  }

  /** Lets go of a stream that will not be read (its first response is already open). */
  async close(): Promise<void> {
    const pending = this.#pending;
    this.#pending = null;
    this.#iterated = true;
    await pending?.body?.cancel();
  }

  /** The last delivered place in the turn; null before the first chunk. */
  get cursor(): TurnCursor | null {
    return this.#cursor === null ? null : { ...this.#cursor };
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TurnStreamEvent> {
    if (this.#iterated) throw new Error('A ResumableTurnStream can be read only once.');
    this.#iterated = true;
    let response = this.#pending;
    this.#pending = null;
    while (response !== null) {
      const reading = new AbortController();
      // Stops the body read even if a custom fetch ignores the signal it was given.
      const stopReading = () => reading.abort();
      this.#signal.addEventListener('abort', stopReading, { once: true });
      const idle = new IdleTimer(this.#idleTimeoutMs, stopReading);
      let finished = false;
      let lost: unknown = new Error('the stream ended before its last chunk');
      try {
        for await (const message of readSseEvents(response, reading.signal, () => idle.touch())) {
          if (message.data === '[DONE]') {
            finished = true;
            break;
          }
          const event = this.#accept(message.id, message.data);
          if (event === null) continue;
          this.#failures = 0;
          if (terminalChunkTypes.has(event.chunk.type)) finished = true;
          // Time the caller spends with a chunk is not silence of the server.
          idle.suspend();
          yield event;
          idle.resume();
          if (this.#signal.aborted) throw this.#signal.reason;
        }
      } catch (error) {
        if (this.#signal.aborted) throw this.#signal.reason;
        if (!isConnectionFailure(error)) throw error;
        lost = error;
      } finally {
        idle.stop();
        this.#signal.removeEventListener('abort', stopReading);
        reading.abort();
      }
      if (this.#signal.aborted) throw this.#signal.reason;
      if (idle.expired && !finished) lost = silentConnectionError(this.#idleTimeoutMs);
      if (finished) return;
      response = await this.#reconnect(lost);
      if (response === null) {
        throw new DurableChatConnectionError(
          'The network connection was lost and the turn is no longer replayable; reload the session.',
          this.#failures,
          lost,
        );
      }
    }
  }

  /** The chunks alone, as the `ReadableStream` a `ChatTransport` returns to `useChat`. */
  toUIMessageStream(): ReadableStream<UIMessageChunk> {
    const iterator = this[Symbol.asyncIterator]();
    return new ReadableStream<UIMessageChunk>({
      async pull(controller) {
        const next = await iterator.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value.chunk);
      },
      async cancel() {
        await iterator.return?.();
      },
    });
  }

  #accept(id: string | undefined, data: string): TurnStreamEvent | null {
    if (id === undefined) return this.#acceptUnlogged(data);
    const eventId = parseEventId(id);
    if (eventId === null || eventId.turnId === null) {
      throw new DurableChatProtocolError(`A stream event has no "<turnId>:<position>" id: ${id}`);
    }
    const { turnId, position } = eventId;
    const cursor = this.#cursor;
    if (cursor !== null && cursor.turnId !== turnId) {
      throw new DurableChatProtocolError(
        `The stream moved from turn ${cursor.turnId} to turn ${turnId}; reload the session.`,
      );
    }
    const last = cursor?.position ?? this.#startedAfter?.position ?? this.#announcedAfter;
    if (position <= last) return null;
    if (position !== last + 1) {
      throw new DurableChatProtocolError(`Position ${last + 1} of turn ${turnId} is missing.`);
    }
    const chunk = parseChunk(data);
    this.#cursor = { turnId, position };
    return { turnId, position, chunk };
  }

  /**
   * A chunk without an id is at no position of the turn's log: the server sends one only to end
   * a read for good (an `error` when the turn's state was lost), so it is allowed only as a
   * terminal chunk, and it carries the last position without moving the cursor.
   */
  #acceptUnlogged(data: string): TurnStreamEvent {
    const chunk = parseChunk(data);
    if (!terminalChunkTypes.has(chunk.type)) {
      throw new DurableChatProtocolError(
        `A stream event has no "<turnId>:<position>" id: ${data.slice(0, 100)}`,
      );
    }
    const cursor = this.#cursor ?? this.#startedAfter;
    return { turnId: cursor?.turnId ?? '', position: cursor?.position ?? 0, chunk };
  }

  async #reconnect(lost: unknown): Promise<Response | null> {
    let error = lost;
    while (true) {
      if (this.#failures >= this.#policy.retries) {
        throw new DurableChatConnectionError(
          `The network connection to the server was lost; gave up after ${this.#failures} reconnect attempts.`,
          this.#failures,
          error,
        );
      }
      this.#failures += 1;
      const delayMs = Math.min(
        this.#policy.initialDelayMs * this.#policy.factor ** (this.#failures - 1),
        this.#policy.maxDelayMs,
      );
      this.#onReconnect?.({ attempt: this.#failures, delayMs, after: this.cursor, error });
      await sleep(delayMs, this.#signal);
      try {
        return await this.#connectOnce(this.#resumePoint());
      } catch (failure) {
        if (this.#signal.aborted || !isRetryable(failure)) throw failure;
        error = failure;
      }
    }
  }

  async #connectWithRetries(after: TurnCursor | null): Promise<Response | null> {
    try {
      return await this.#connectOnce(after);
    } catch (failure) {
      if (this.#signal.aborted || !isRetryable(failure)) throw failure;
      return this.#reconnect(failure);
    }
  }

  /**
   * Where a reconnect resumes: after the last chunk, or — when the connection broke before the
   * first one — at the start of the turn the server announced, which it replays even if the turn
   * ended meanwhile (re-attaching without a cursor would find nothing running).
   */
  #resumePoint(): TurnCursor | null {
    if (this.#cursor !== null) return this.#cursor;
    return this.#announcedTurnId === null
      ? null
      : { turnId: this.#announcedTurnId, position: this.#announcedAfter };
  }

  async #connectOnce(after: TurnCursor | null): Promise<Response | null> {
    if (this.#signal.aborted) throw this.#signal.reason;
    const response = await this.#connectWithinIdleTimeout(after);
    if (response === null || response.status === 204) return null;
    const contentType = response.headers.get('content-type') ?? '';
    if (!response.body || !contentType.includes('text/event-stream')) {
      await response.body?.cancel();
      throw new DurableChatProtocolError(
        `Expected an event stream, got "${contentType || 'no body'}" (HTTP ${response.status}).`,
      );
    }
    this.#announcedTurnId ??= response.headers.get(turnIdHeader);
    this.#multitask ??= multitaskOutcomeOf(response.headers.get(multitaskHeader));
    if (this.#cursor === null && this.#startedAfter === null) {
      const announcedAfter = Number(response.headers.get(streamAfterHeader) ?? 0);
      if (Number.isSafeInteger(announcedAfter) && announcedAfter > 0) {
        this.#announcedAfter = announcedAfter;
      }
    }
    return response;
  }

  /** A request whose response does not start within the idle timeout is aborted and retried. */
  async #connectWithinIdleTimeout(after: TurnCursor | null): Promise<Response | null> {
    if (this.#idleTimeoutMs === false) return this.#connect({ after, signal: this.#signal });
    const attempt = new AbortController();
    const timer = setTimeout(
      () => attempt.abort(silentConnectionError(this.#idleTimeoutMs)),
      this.#idleTimeoutMs,
    );
    try {
      // The response body stays tied to this signal: it must never fire after the headers came.
      return await this.#connect({
        after,
        signal: AbortSignal.any([this.#signal, attempt.signal]),
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

const multitaskOutcomes: ReadonlySet<string> = new Set<MultitaskOutcome>([
  'started',
  'steered',
  'queued',
  'interrupted',
]);

function multitaskOutcomeOf(value: string | null): MultitaskOutcome | null {
  return value !== null && multitaskOutcomes.has(value) ? (value as MultitaskOutcome) : null;
}

/** A connection that said nothing for the idle timeout: a network failure, so it is retried. */
function silentConnectionError(idleTimeoutMs: number | false): Error {
  return new Error(
    `the server sent nothing for ${idleTimeoutMs} ms; the connection is taken for dead`,
  );
}

/** Failures of the network itself (fetch and body reads raise TypeError), not of our checks. */
function isConnectionFailure(error: unknown): boolean {
  return !(
    error instanceof DurableChatApiError ||
    error instanceof DurableChatProtocolError ||
    error instanceof DurableChatConnectionError
  );
}

function isRetryable(error: unknown): boolean {
  if (error instanceof DurableChatApiError) return retryableStatuses.has(error.status);
  return isConnectionFailure(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
