import type { UIMessageChunk } from 'ai';

/** A turn is active while `running` or `closing`; the other three are terminal. */
export type TurnStatus = 'running' | 'closing' | 'completed' | 'failed' | 'cancelled';
export type TerminalStatus = 'completed' | 'failed' | 'cancelled';

export const terminalStatuses: readonly TerminalStatus[] = ['completed', 'failed', 'cancelled'];

export function isTerminal(status: TurnStatus): status is TerminalStatus {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

export interface TurnRecord {
  turnId: string;
  sessionId: string;
  /** Owner of the session when the turn opened; null in anonymous mode. */
  userId: string | null;
  /** The message the turn answers; '' when the request did not name it (a regenerate). */
  userMessageId: string;
  /** Id under which the assistant message is persisted; also `start.messageId` on the wire. */
  assistantMessageId: string;
  /** What identifies the request that opened the turn (see `OpenTurnInput.requestKey`). */
  requestKey: string;
  status: TurnStatus;
  /** Set once by whoever wins `claimClose`; the status the turn will end with. */
  closingStatus: TerminalStatus | null;
  error: string | null;
  cancelRequested: boolean;
  /** Position of the last chunk appended so far (0 when none). */
  lastPosition: number;
  createdAt: number;
  /** When `claimClose` won (a closing turn older than a grace period lost its closer). */
  closingAt: number | null;
  closedAt: number | null;
  /** The executor that holds the turn, and until when (epoch ms); null before any executor took it. */
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  /**
   * Until when (epoch ms, the registry's clock) the process that opened the turn may take to
   * store and queue it; null once it confirmed that (`confirmTurn`), or when it never set one. A
   * running turn past this deadline, unconfirmed and never leased, lost its creator: nothing will
   * ever run it, so it may be ended and its session taken over at once.
   */
  enqueueDeadline: number | null;
}

/** The record of a turn `openTurn` just opened: running, nothing appended, no lease yet. */
export function openedTurnRecord(
  input: OpenTurnInput,
  createdAt: number,
  enqueueDeadline: number | null,
): TurnRecord {
  return {
    turnId: input.turnId,
    sessionId: input.sessionId,
    userId: input.userId,
    userMessageId: input.userMessageId,
    assistantMessageId: input.assistantMessageId,
    requestKey: input.requestKey ?? input.userMessageId,
    status: 'running',
    closingStatus: null,
    error: null,
    cancelRequested: false,
    lastPosition: 0,
    createdAt,
    closingAt: null,
    closedAt: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    enqueueDeadline,
  };
}

/**
 * - `acquired`: the lease is the caller's (it was free, or already the caller's).
 * - `held`: another owner's lease is alive — that executor runs the turn; do not run it twice.
 * - `expired`: another owner's lease lapsed — that executor is gone; end the turn, don't rerun it.
 * - `not-running`: the turn is closing, ended or unknown.
 * - `cancel-requested`: the turn runs and a cancel was requested: the lease is not taken; end the
 *   turn as cancelled. Told here so an executor learns everything it decides on before it starts
 *   the model from this one call, without reading the turn as well.
 */
export type LeaseResult = 'acquired' | 'held' | 'expired' | 'not-running' | 'cancel-requested';

export interface OpenTurnInput {
  turnId: string;
  sessionId: string;
  userId: string | null;
  userMessageId: string;
  assistantMessageId: string;
  /**
   * What identifies the request that opens the turn, so a retry of it that finds the turn still
   * active recognises it (and re-attaches) where another request is refused. Opaque to the
   * registry; defaults to `userMessageId` (a new message is identified by its id).
   */
  requestKey?: string;
  /**
   * Sets `enqueueDeadline` to the turn's creation time plus this: the opener promises to call
   * `confirmTurn` once the turn is stored and queued. Absent: confirmed from the start.
   */
  enqueueTimeoutMs?: number;
}

export type OpenTurnResult =
  { opened: true; turn: TurnRecord } | { opened: false; activeTurn: TurnRecord };

export interface PositionedChunk {
  /** Server-assigned, starts at 1, strictly increasing by 1 within a turn. */
  position: number;
  chunk: UIMessageChunk;
}

export type ReadEvent =
  | { type: 'chunk'; position: number; chunk: UIMessageChunk }
  | { type: 'end'; status: TerminalStatus; error: string | null };

export interface ReadOptions {
  /** Yield only chunks with a position greater than this; 0 reads from the first chunk. */
  after: number;
  /** Stops the iteration (a client going away); never affects the turn itself. */
  signal?: AbortSignal;
}

/** What a `StreamRegistryError` says went wrong; stable, for callers that branch on it. */
export type StreamRegistryErrorCode =
  | 'turn_not_found'
  | 'cursor_out_of_range'
  | 'turn_exists'
  | 'turn_not_closing'
  | 'not_terminal_status'
  | 'registry_closed';

/**
 * A call the registry refuses: a turn it does not have, or a misuse of its state machine. Every
 * adapter raises the same class (and `code`) for the same case (`registry-contract-errors.ts`), so
 * callers never depend on which adapter runs. Failures of the backing server are not among them.
 */
export class StreamRegistryError extends Error {
  readonly code: StreamRegistryErrorCode;
  constructor(code: StreamRegistryErrorCode, message: string) {
    super(message);
    this.name = 'StreamRegistryError';
    this.code = code;
  }
}

/** A read cursor that is negative, not an integer, or beyond the turn's last position. */
export class CursorOutOfRangeError extends StreamRegistryError {
  readonly turnId: string;
  readonly after: number;
  constructor(turnId: string, after: number) {
    super('cursor_out_of_range', `position ${after} is not in turn ${turnId}`);
    this.name = 'CursorOutOfRangeError';
    this.turnId = turnId;
    this.after = after;
  }
}

/** The turn was never opened here, or it finished and its TTL has passed. */
export class TurnNotFoundError extends StreamRegistryError {
  readonly turnId: string;
  constructor(turnId: string) {
    super('turn_not_found', `turn ${turnId} does not exist or has expired`);
    this.name = 'TurnNotFoundError';
    this.turnId = turnId;
  }
}

/** `openTurn` with the id of a turn the registry already has (ids are never reused). */
export class TurnExistsError extends StreamRegistryError {
  readonly turnId: string;
  constructor(turnId: string) {
    super('turn_exists', `turn ${turnId} already exists`);
    this.name = 'TurnExistsError';
    this.turnId = turnId;
  }
}

/** `publishClose` of a turn that is not closing: only the winner of `claimClose` publishes. */
export class TurnNotClosingError extends StreamRegistryError {
  readonly turnId: string;
  constructor(turnId: string) {
    super('turn_not_closing', `turn ${turnId} is not closing: publishClose needs a won claimClose`);
    this.name = 'TurnNotClosingError';
    this.turnId = turnId;
  }
}

/** `claimClose` with a status a turn cannot end with. */
export class NotTerminalStatusError extends StreamRegistryError {
  readonly status: string;
  constructor(status: string) {
    super('not_terminal_status', `${status} is not a terminal status`);
    this.name = 'NotTerminalStatusError';
    this.status = status;
  }
}

/** Any call, or a read still waiting, after `close()`. */
export class RegistryClosedError extends StreamRegistryError {
  constructor() {
    super('registry_closed', 'the stream registry is closed');
    this.name = 'RegistryClosedError';
  }
}

/**
 * The per-turn chunk log and turn state machine. Every adapter passes `registry-contract.ts`.
 * Refused calls reject with a `StreamRegistryError`; after `close()`, every call rejects with
 * RegistryClosedError.
 *
 * Ending a turn is two-phase so the assistant message can be persisted between the
 * compare-and-set and the terminal event (invariant 5): `claimClose` freezes the log
 * (running → closing, appends refused) and only its winner calls `publishClose`, which
 * appends the trailing chunks and the terminal event in one step.
 */
export interface StreamRegistry {
  /**
   * Opens a turn for a session unless one is already active there (atomic); TurnExistsError when
   * the registry already has a turn with this id.
   */
  openTurn(input: OpenTurnInput): Promise<OpenTurnResult>;
  /**
   * Appends chunks in order (all or none) and returns the last position, or null once the turn is
   * not `running` or no longer exists.
   */
  append(turnId: string, chunks: readonly UIMessageChunk[]): Promise<number | null>;
  /**
   * Compare-and-set running → closing; true for exactly one caller per turn (false for an unknown
   * turn). NotTerminalStatusError for a status that is not terminal.
   */
  claimClose(turnId: string, status: TerminalStatus, error?: string | null): Promise<boolean>;
  /**
   * Appends `chunks` and the terminal event; only for the winner of `claimClose`, else
   * TurnNotClosingError (TurnNotFoundError for an unknown turn).
   */
  publishClose(turnId: string, chunks: readonly UIMessageChunk[]): Promise<void>;
  /**
   * Replay after `options.after`, then live chunks, then one `end` event. Errors surface from the
   * iteration: CursorOutOfRangeError (cursor < 0, > lastPosition or not an integer) or
   * TurnNotFoundError. An aborted signal ends the iteration quietly, yielding nothing further.
   */
  read(turnId: string, options: ReadOptions): AsyncIterable<ReadEvent>;
  /** Every chunk appended so far, in order (to fold the persisted message); TurnNotFoundError. */
  readAll(turnId: string): Promise<PositionedChunk[]>;
  getTurn(turnId: string): Promise<TurnRecord | null>;
  /** The running or closing turn of a session, or null. */
  getActiveTurn(sessionId: string): Promise<TurnRecord | null>;
  /**
   * Clears the turn's `enqueueDeadline` (its request is stored and queued: it is not abandoned).
   * True when the turn is running; false when it is closing, ended or unknown (then someone
   * ended it, e.g. as abandoned after the deadline). Idempotent.
   */
  confirmTurn(turnId: string): Promise<boolean>;
  /** Sets the cancel flag of an active turn; idempotent; false when the turn is not active. */
  requestCancel(turnId: string): Promise<boolean>;
  /**
   * Counts one follow-up message stored for an active turn, AFTER the store has it: whoever runs
   * the turn reads the store for follow-ups at a step's end only when this count moved since it
   * last looked (`countFollowUps`), instead of at every step's end. False when the turn is not
   * active (its end then starts the waiting messages).
   */
  noteFollowUp(turnId: string): Promise<boolean>;
  /** How many follow-ups `noteFollowUp` counted for the turn; 0 for an unknown one. */
  countFollowUps(turnId: string): Promise<number>;
  /** Takes the lease of a running turn for `owner` for `ttlMs` (atomic; see LeaseResult). */
  acquireLease(turnId: string, owner: string, ttlMs: number): Promise<LeaseResult>;
  /** Extends the caller's lease; false when it is not theirs any more or the turn is not running. */
  refreshLease(turnId: string, owner: string, ttlMs: number): Promise<boolean>;
  /**
   * Ids of every running or closing turn, for the sweeper. Adapters whose records can vanish
   * (a TTL, a restarted server) drop such ids here rather than return them.
   */
  listActiveTurnIds(): Promise<string[]>;
  /**
   * A named mutual-exclusion lock with a TTL (e.g. "only one sweeper acts at a time"): true when
   * the caller holds it now (newly, or renewed because it already held it).
   */
  acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean>;
  close(): Promise<void>;
}
