import { APICallError, RetryError } from 'ai';
import type { TerminalStatus } from '../registry/stream-registry.ts';

/** How a turn ended, as its closer passes it to `endTurn`. */
export interface TurnOutcome {
  /**
   * Stable name of this way of ending (snake_case), logged with the turn's end so operators can
   * count outcomes; never shown to users and never changed once released.
   */
  code: string;
  status: TerminalStatus;
  /** Full internal reason, logged and stored with the turn; never sent to users. */
  error: string | null;
  /** The masked text shown to users on failure (absent: `unfinishedAnswerText`). */
  publicErrorText?: string;
}

/** Shown when a turn ended without an error of its own to show (its executor or state was lost). */
export const unfinishedAnswerText = 'The answer could not be completed.';

const notStartedText = 'The answer could not be started. Please try again.';
const generationFailedText = 'Something went wrong while generating the answer. Please try again.';

/**
 * Every way a turn ends, in one place: the internal reason stored and logged, the text users see.
 * The public texts are part of the service's behaviour (clients and tests show them): change one
 * only on purpose. An outcome whose reason is a thrown error takes it through `withError`.
 */
export const turnOutcomes = {
  completed: { code: 'completed', status: 'completed', error: null },
  /** Stopped by the user (Stop, deleting the session): the partial answer is kept. */
  cancelled: { code: 'cancelled', status: 'cancelled', error: null },
  /** The model call failed in a way worth retrying soon (see `modelFailureOutcome`). */
  modelUnavailable: {
    code: 'model_unavailable',
    status: 'failed',
    error: 'the model is unavailable',
    publicErrorText: 'The model is temporarily unavailable. Please try again.',
  },
  /** The connection to the model broke or timed out (see `modelFailureOutcome`). */
  modelInterrupted: {
    code: 'model_interrupted',
    status: 'failed',
    error: 'the connection to the model was interrupted',
    publicErrorText: 'The connection to the model was interrupted. Please try again.',
  },
  /** Any other failure while the answer was generated (see `modelFailureOutcome`). */
  generationFailed: {
    code: 'generation_failed',
    status: 'failed',
    error: 'the answer could not be generated',
    publicErrorText: generationFailedText,
  },
  /** `runTurn` itself threw: a bug or an unreachable store, caught by the worker. */
  crashed: {
    code: 'crashed',
    status: 'failed',
    error: 'the turn crashed',
    publicErrorText: generationFailedText,
  },
  /** The executor that held the turn's lease is gone (its lease lapsed, or the job came back). */
  executorGone: {
    code: 'executor_gone',
    status: 'failed',
    error: 'the executor running this turn stopped (its lease expired)',
    publicErrorText: 'The server answering this stopped unexpectedly. Please try again.',
  },
  /** The executor shut down before the answer finished. */
  shutdown: {
    code: 'shutdown',
    status: 'failed',
    error: 'interrupted by shutdown',
    publicErrorText: 'The server restarted while answering. Please try again.',
  },
  /** No executor took the turn within the unleased-turn timeout (a lost job). */
  notTaken: {
    code: 'not_taken',
    status: 'failed',
    error: 'no executor took the turn in time',
    publicErrorText: 'The chat service could not start this answer. Please try again.',
  },
  /** No executor existed for longer than the API waits for one. */
  noExecutor: {
    code: 'no_executor',
    status: 'failed',
    error: 'no executor was available to take the turn',
    publicErrorText: 'No worker is available to answer right now. Please try again in a moment.',
  },
  /** The turn queue refused the job. */
  notQueued: {
    code: 'not_queued',
    status: 'failed',
    error: 'the turn queue is unavailable',
    publicErrorText: notStartedText,
  },
  /** The API process that opened the turn did not confirm it stored and queued in time. */
  abandoned: {
    code: 'abandoned',
    status: 'failed',
    error: 'the turn was not confirmed stored and queued in time (its API process died)',
    publicErrorText: notStartedText,
  },
  /** The request could not be stored: the turn ends before anything is persisted for it. */
  notStored: {
    code: 'not_stored',
    status: 'failed',
    error: 'could not store the request',
  },
  /** The request was a retry of one whose turn already ended: the new turn is dropped. */
  duplicateRequest: {
    code: 'duplicate_request',
    status: 'failed',
    error: 'duplicate request',
  },
  /** The registry no longer had the turn (a restarted Redis, an expired key). */
  streamStateLost: {
    code: 'stream_state_lost',
    status: 'failed',
    error: 'the turn’s stream state was lost',
    publicErrorText: unfinishedAnswerText,
  },
  /** Its closer died between claiming the end and publishing it; the sweeper finished it. */
  closeResumed: {
    code: 'close_resumed',
    status: 'failed',
    error: null,
  },
} as const satisfies Record<string, TurnOutcome>;

/** `outcome`, with what really happened as its internal reason (a thrown error's description). */
export function withError(outcome: TurnOutcome, error: string | null): TurnOutcome {
  return { ...outcome, error };
}

/** `outcome`, ending with `status` instead (a close resumed from the registry's record). */
export function withStatus(outcome: TurnOutcome, status: TerminalStatus): TurnOutcome {
  return { ...outcome, status };
}

/** Which failure a model call's error is, by what users should be told about it. */
export function modelFailureOf(
  thrown: unknown,
):
  | typeof turnOutcomes.modelUnavailable
  | typeof turnOutcomes.modelInterrupted
  | typeof turnOutcomes.generationFailed {
  // After retries the SDK wraps the provider's error; the last attempt is what failed.
  const error = RetryError.isInstance(thrown) ? thrown.lastError : thrown;
  if (APICallError.isInstance(error) && error.isRetryable) return turnOutcomes.modelUnavailable;
  if (
    error instanceof Error &&
    /timeout|timed out|reset|ECONNRESET|interrupted/i.test(error.message)
  ) {
    return turnOutcomes.modelInterrupted;
  }
  return turnOutcomes.generationFailed;
}

/**
 * The outcome of a turn whose answer failed with `thrown`. The real error (which may carry
 * provider details, keys or internal hosts) is its internal reason; users see a masked text.
 */
export function modelFailureOutcome(thrown: unknown): TurnOutcome {
  return withError(modelFailureOf(thrown), describeError(thrown));
}

/** A thrown value as a log line: `Name: message` for errors. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
