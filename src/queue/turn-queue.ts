import type { UIMessage } from 'ai';

/** What an executor needs to run a turn; everything else it reads from the store and registry. */
export interface TurnJob {
  turnId: string;
  sessionId: string;
  userId: string | null;
  userMessageId: string;
  assistantMessageId: string;
  /** Epoch milliseconds when the job was enqueued (time-to-first-chunk is measured from here). */
  enqueuedAt: number;
  /**
   * The session's conversation as the turn was stored, so the executor need not read it again;
   * absent, the executor reads it from the store. An adapter may leave it out (a serialising one
   * does past a size bound) but never alters it. Follow-ups that arrive after it was read reach
   * the model at its first step's end.
   */
  conversation?: CarriedConversation;
}

/**
 * The store's `Conversation`, declared here by its shape: the queue may not import the store
 * (protocol ← queue/store). The turn layer assigns a `Conversation` to it and the executor reads
 * one back, so TypeScript checks that the two shapes agree both ways.
 */
export interface CarriedConversation {
  /** The session's messages in conversation order. */
  messages: UIMessage[];
  /** The session's waiting messages, oldest first. */
  pendingMessages: CarriedPendingMessage[];
}

/** The store's `PendingMessage`, by its shape (see `CarriedConversation`). */
export interface CarriedPendingMessage {
  sessionId: string;
  message: UIMessage;
  mode: 'steer' | 'queue' | 'continue';
  createdAt: Date;
}

/** How a job reached its handler. */
export interface TurnDelivery {
  /**
   * True when the job was handed out before without being consumed: its consumer's process or
   * connection died before the handler returned, or it was stopping and gave the job back. The
   * turn may be running, or have run, elsewhere: the executor decides through the turn's lease
   * whether to run, close or skip it. The embedded adapter never redelivers: always false there.
   */
  redelivered: boolean;
}

/**
 * Runs one job. The job is consumed (never handed out again) once the handler returns OR throws:
 * the executor ends a turn it failed on its own error path, so requeueing a thrown job would only
 * run a failed turn again, or loop forever on a deterministic bug.
 */
export type TurnHandler = (job: TurnJob, delivery: TurnDelivery) => Promise<void>;
export type CancelListener = (turnId: string) => void;

export interface ConsumeOptions {
  /** At most this many handlers run at once; further jobs wait in the queue. */
  concurrency: number;
}

export interface Consumer {
  /** Stops taking new jobs and resolves when the running handlers have returned. */
  stop(): Promise<void>;
}

/**
 * A long-running operation's outcome, as its service reports it over the queue (the seed's
 * `{operation_id, task_id, success, result?, error?}` message; `task_id` is accepted and
 * ignored, since here the operation id alone names what to continue).
 */
export interface OperationCompletion {
  operationId: string;
  success: boolean;
  /** What the operation produced (success): becomes the tool call's output. */
  result?: unknown;
  /** Why it failed (no success). */
  error?: string;
}

/**
 * Applies one completion. Resolving consumes it; rejecting hands it out again later (flagged as
 * redelivered), so a completion is never lost to a passing failure such as a database outage.
 * Since a completion can therefore arrive more than once, applying one must be idempotent.
 */
export type OperationCompletionHandler = (completion: OperationCompletion) => Promise<void>;

/**
 * Turn jobs (each delivered to one consumer), cancel fan-out (delivered to EVERY queue
 * instance, in every process, so whichever executor runs the turn hears it) and operation
 * completions (each delivered to one consumer, redelivered until a handler accepts it). Cancels
 * and jobs are not ordered with respect to each other, so an executor also checks the
 * registry's durable cancel flag before it runs a turn. Every adapter passes `queue-contract.ts`.
 */
export interface TurnQueue {
  /**
   * Resolves once the job is durably queued. Rejects with `QueueUnavailableError` when the queue
   * cannot take it now; the job may then still have been queued (a broker that vanished between
   * receiving and confirming it), which the lease and the turn's compare-and-set make harmless.
   */
  enqueue(job: TurnJob): Promise<void>;
  /**
   * Starts a consumer; it keeps consuming across reconnects until stopped. Rejects with
   * `QueueUnavailableError` when the backing service cannot be reached at the time.
   */
  consume(handler: TurnHandler, options: ConsumeOptions): Promise<Consumer>;
  /**
   * How many consumers take jobs now, in every process: 0 means a job enqueued now waits until an
   * executor comes (back). A consumer whose process died stops counting once the backing service
   * notices (a closed connection: at once; a silent one: after its heartbeat). Rejects with
   * `QueueUnavailableError` like `enqueue`.
   */
  countConsumers(): Promise<number>;
  /** Rejects with `QueueUnavailableError` like `enqueue`. */
  broadcastCancel(turnId: string): Promise<void>;
  /** Returns an unsubscribe function. */
  onCancel(listener: CancelListener): () => void;
  /**
   * What an operation's service does to report its outcome: resolves once the completion is
   * durably queued; rejects with `QueueUnavailableError` like `enqueue`.
   */
  publishOperationCompletion(completion: OperationCompletion): Promise<void>;
  /**
   * Starts a consumer of operation completions (the API processes run one each); it keeps
   * consuming across reconnects until stopped. Each completion goes to one consumer; one whose
   * handler rejects is handed out again after a pause. A message that is not a completion (bad
   * JSON, wrong shape, from some other publisher) is logged and dropped, never redelivered.
   * Rejects with `QueueUnavailableError` like `consume`.
   */
  consumeOperationCompletions(handler: OperationCompletionHandler): Promise<Consumer>;
  close(): Promise<void>;
}

/**
 * The queue's backing service cannot take a message now (down, unreachable, refusing publishes,
 * or silent past a deadline). Raised quickly rather than hanging, so the API can answer 503.
 */
export class QueueUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'QueueUnavailableError';
  }
}
