/** What an executor needs to run a turn; everything else it reads from the store and registry. */
export interface TurnJob {
  turnId: string;
  sessionId: string;
  userId: string | null;
  userMessageId: string;
  assistantMessageId: string;
  /** Epoch milliseconds when the job was enqueued (time-to-first-chunk is measured from here). */
  enqueuedAt: number;
}

export type TurnHandler = (job: TurnJob) => Promise<void>;
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
 * Turn jobs (each delivered to one consumer) and cancel fan-out (delivered to EVERY consumer,
 * so whichever executor runs the turn hears it). Every adapter passes `queue-contract.ts`.
 */
export interface TurnQueue {
  enqueue(job: TurnJob): Promise<void>;
  consume(handler: TurnHandler, options: ConsumeOptions): Promise<Consumer>;
  broadcastCancel(turnId: string): Promise<void>;
  /** Returns an unsubscribe function. */
  onCancel(listener: CancelListener): () => void;
  close(): Promise<void>;
}
