import type { UIMessage } from 'ai';
import type { ApprovalResponse } from '../protocol/tool-approvals.ts';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

export interface Session {
  id: string;
  userId: string | null;
  title: string | null;
  createdAt: Date;
  updatedAt: Date;
  usage: Usage;
}

/**
 * What the model reads in place of a session's oldest messages once its history outgrows the
 * model's context (see `executor/context-budget.ts`).
 */
export interface ContextSummary {
  /** The last message summarised: the summary stands for it and every message before it. */
  throughMessageId: string;
  text: string;
}

export type StoredTurnStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface StoredTurn {
  id: string;
  sessionId: string;
  userMessageId: string;
  assistantMessageId: string;
  /** The answer this turn's answer replaced (a regenerate or an edit); null for a first answer. */
  replacedMessageId: string | null;
  status: StoredTurnStatus;
  error: string | null;
  usage: Usage | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface ListSessionsOptions {
  /** Sessions of this user; null lists every anonymous session (anonymous mode only). */
  userId: string | null;
  limit: number;
  offset: number;
  /**
   * Only sessions whose title or message text contains this, ignoring case; taken literally
   * (`%`, `_` and `\` match themselves). Blank or absent: no filter.
   */
  search?: string;
}

/** What a call that starts a turn may ask of the session's earlier turns. */
export interface SettledStartInput {
  /**
   * Store nothing while the session has a queued or running turn: reject with
   * `UnsettledTurnsError` instead. Lets a caller that must end such turns first (their registry
   * state was lost) learn of them in the call that stores, not in a query before every one.
   */
  onlyIfSettled?: boolean;
}

export interface StartTurnInput extends SettledStartInput {
  sessionId: string;
  userMessage: UIMessage;
  turnId: string;
  assistantMessageId: string;
  /**
   * The session's title if it has none yet, set in the same transaction when this call stores
   * the message (never by a retried one, which stores nothing).
   */
  title?: string;
  /**
   * Also return the session's conversation as this call leaves it (`conversation` of a created
   * turn), read in the same transaction: what an executor in this process would read next.
   */
  withConversation?: boolean;
}

/**
 * What a replacement turn answers again (see `ChatStore.startReplacementTurn`):
 * - `regenerate` with the id of an answer: that answer is replaced, and the message it answered is
 *   answered again; with the id of a message that started a turn, that message is answered again;
 *   with null, the session's last message that started a turn is.
 * - `edit`: the stored message with `message.id` (one that started a turn) takes `message`'s parts
 *   and metadata, and is answered again.
 * Either way every message after the one answered is removed.
 */
export type ReplacementTarget =
  { type: 'regenerate'; messageId: string | null } | { type: 'edit'; message: UIMessage };

export interface StartReplacementTurnInput extends SettledStartInput {
  sessionId: string;
  target: ReplacementTarget;
  turnId: string;
  assistantMessageId: string;
}

export interface StartApprovalTurnInput {
  sessionId: string;
  /** The stored assistant message whose tool approvals are answered; the turn continues it. */
  assistantMessageId: string;
  responses: ApprovalResponse[];
  turnId: string;
}

/** A session's messages and waiting follow-ups, as a turn that begins reads them. */
export interface Conversation {
  /** The session's messages in conversation order. */
  messages: UIMessage[];
  /** The session's waiting messages, oldest first. */
  pendingMessages: PendingMessage[];
}

export type StartTurnResult =
  /** `conversation`: only when asked for (`StartTurnInput.withConversation`). */
  | { created: true; turn: StoredTurn; conversation?: Conversation }
  /** The user message id was already stored: the turn it started (a retried POST). */
  | { created: false; turn: StoredTurn };

export interface BeginTurnInput {
  turnId: string;
  sessionId: string;
}

export interface BeganTurn extends Conversation {
  /** The turn went from queued to running (false: it was not queued). */
  running: boolean;
}

export interface FinishTurnInput {
  turnId: string;
  status: 'completed' | 'failed' | 'cancelled';
  error: string | null;
  /** The assistant message folded from the turn's chunks; null when the turn produced nothing. */
  assistantMessage: UIMessage | null;
  usage: Usage | null;
}

export interface MessagePageOptions {
  /** At most this many messages (1 or more); every message when absent. */
  limit?: number;
  /** Only messages older than this sequence number; the newest page when absent. */
  beforeSequence?: number;
}

/**
 * One page of a session's history, counted back from the newest message (or from
 * `beforeSequence`). Sequence numbers rise in conversation order within a session; they are
 * not contiguous (a discarded turn leaves a gap), so they serve as cursors, never as counts.
 */
export interface MessagePage {
  /** In conversation order, oldest first. */
  messages: UIMessage[];
  /** Sequence number of the page's first message (the next page's `beforeSequence`); null when empty. */
  oldestSequence: number | null;
  /** Older messages exist before this page. */
  hasMore: boolean;
}

/**
 * How a waiting message reaches a model: a follow-up sent while a turn runs at its next step
 * (`steer`) or once its task is answered (`queue`); an operation's completion (`continue`) is
 * never handed to a running turn, it starts the next turn of its own.
 */
export type PendingMode = 'steer' | 'queue' | 'continue';

/** A follow-up accepted while a turn ran and not yet handed to a model. */
export interface PendingMessage {
  sessionId: string;
  /** The user message as sent. */
  message: UIMessage;
  mode: PendingMode;
  createdAt: Date;
}

export interface AddPendingMessageInput {
  sessionId: string;
  message: UIMessage;
  mode: PendingMode;
}

export type AddPendingMessageResult =
  | { type: 'added' }
  /** This id is already waiting in the session (a retried POST). */
  | { type: 'pending' }
  /** This id was already taken by that turn: steered into its answer, or its user message. */
  | { type: 'taken'; turnId: string }
  /** The id is already a message of the session, or a turn's answer (and was never a follow-up). */
  | { type: 'stored' };

/** Where a long-running operation is: started, accepted by its service, or ended. */
export type OperationStatus =
  'pending' | 'running' | 'completed' | 'failed' | 'expired' | 'cancelled';

/** The statuses an operation ends in; it never leaves one. */
export type EndedOperationStatus = 'completed' | 'failed' | 'expired' | 'cancelled';

/** Work a tool started that outlives the turn that called it (see `ChatStore.startOperation`). */
export interface Operation {
  id: string;
  sessionId: string;
  /** The turn whose tool call started it, the assistant message holding that call, the call. */
  turnId: string;
  assistantMessageId: string;
  toolCallId: string;
  toolName: string;
  input: unknown;
  status: OperationStatus;
  /** SHA-256 (hex) of the completion token handed to the service. */
  completionTokenHash: string;
  /** Where to tell the service the operation is no longer wanted; null when it has none. */
  cancelUrl: string | null;
  deadline: Date;
  /** What the service returned (`completed`); null otherwise. */
  result: unknown;
  /** Why it did not complete (`failed`, `expired`, `cancelled`); null otherwise. */
  error: string | null;
  /** The turn that continued the conversation with the outcome; null until one took it. */
  continuationTurnId: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/** What a tool starts an operation with; the store sets its status, result and times. */
export type StartOperationInput = Pick<
  Operation,
  | 'id'
  | 'sessionId'
  | 'turnId'
  | 'assistantMessageId'
  | 'toolCallId'
  | 'toolName'
  | 'input'
  | 'completionTokenHash'
  | 'cancelUrl'
  | 'deadline'
> & {
  /** Names "the same tool with the same input": one such operation in progress per session. */
  inputKey: string;
};

export type StartOperationResult =
  | { type: 'started'; operation: Operation }
  /** The same tool with the same input is already in progress in the session: that one. */
  | { type: 'in-progress'; operation: Operation };

export interface EndOperationInput {
  id: string;
  status: EndedOperationStatus;
  result?: unknown;
  error?: string | null;
  /**
   * The message the continuation turn answers (a `system` message saying what happened), stored
   * as a waiting `continue` message in the same transaction; null: nothing continues (an instant
   * result the turn that started it already has).
   */
  continuation: UIMessage | null;
}

export type EndOperationResult =
  | { type: 'ended'; operation: Operation }
  /** It had already ended (a second completion, a completion after the deadline): unchanged. */
  | { type: 'already-ended'; operation: Operation }
  | { type: 'not-found' };

/** Whose follow-ups or turns to count: a user's sessions, or one (anonymous) session. */
export type LimitScope = { userId: string } | { sessionId: string };

export type AssignUserResult = 'assigned' | 'already-yours' | 'owned-by-another' | 'not-found';

/**
 * Durable chat state. ONE implementation (`SqlChatStore`) over the `SqlClient` port; every
 * adapter of that port passes `store-contract.ts`. Text that Postgres cannot hold (NUL, unpaired
 * surrogates) is stored as U+FFFD; everything else in parts and metadata round-trips exactly.
 *
 * A message is named by its session and its id: ids are the client's idempotency keys, unique
 * within a session only, and every method that takes a message id finds it in the given
 * session (or the turn's), never in another one.
 */
export interface ChatStore {
  createSession(input: { id?: string; userId: string | null }): Promise<Session>;
  getSession(id: string): Promise<Session | null>;
  /**
   * Most recently active first (a turn started or finished), optionally only those matching
   * `search`; `total` counts every match.
   */
  listSessions(options: ListSessionsOptions): Promise<{ sessions: Session[]; total: number }>;
  renameSession(id: string, title: string): Promise<boolean>;
  /** Sets the title only if none is set yet; returns whether it did. */
  setTitleIfUnset(id: string, title: string): Promise<boolean>;
  /**
   * Sets the title only while it is still `expected` (a title chosen meanwhile, by a rename,
   * stays); returns whether it did.
   */
  replaceTitle(id: string, expected: string, title: string): Promise<boolean>;
  /** Deletes the session with its messages, turns and follow-ups; false if it did not exist. */
  deleteSession(id: string): Promise<boolean>;
  /** Gives an anonymous session to `userId`; an owned session never changes owner. */
  assignUser(id: string, userId: string): Promise<AssignUserResult>;
  /** Messages of a session in conversation order. */
  listMessages(sessionId: string): Promise<UIMessage[]>;
  /** The session's context summary, or null (none yet, or no such session). */
  getContextSummary(sessionId: string): Promise<ContextSummary | null>;
  /**
   * Replaces the session's context summary (one per session); false when the session does not
   * exist (a deleted session takes its summary with it).
   */
  saveContextSummary(sessionId: string, summary: ContextSummary): Promise<boolean>;
  /**
   * The newest `limit` messages before `beforeSequence` (before the end when absent), oldest
   * first; an index range scan, so a page costs the same in a session of any length. An empty
   * page for a missing session; a limit below one rejects with a `RangeError`.
   */
  listMessagePage(sessionId: string, options: MessagePageOptions): Promise<MessagePage>;
  /**
   * Persists the user message and a `queued` turn in one transaction. Idempotent on the user
   * message id within the session: a second call with the same id in the same session creates
   * nothing and returns the existing turn. A user message that is a waiting follow-up (see
   * `addPendingMessage`) is taken by the new turn in the same transaction; one a turn already
   * took returns that turn (`created: false`, nothing written). Message ids are unique within their session only: the
   * same id in another session is another message, and nothing here tells whether it exists.
   * An id the session already uses for a message of another role (or one that started no turn)
   * rejects with `MessageIdConflictError`; a missing session rejects with `SessionNotFoundError`
   * (both in `chat-store-errors.ts`).
   */
  startTurn(input: StartTurnInput): Promise<StartTurnResult>;
  /**
   * Answers an earlier message again (regenerate, edit and resend) in one transaction: removes
   * every message after the message to answer (the turns they started go with them), applies an
   * edit, and stores a `queued` turn whose `replacedMessageId` is the answer it replaces (the
   * first message that followed, null when none did). What was removed is gone for good: the
   * conversation, reloaded, reads as if the new answer were the only one.
   *
   * Idempotent where the request says what it replaces: a regenerate naming an answer that an
   * earlier turn already replaced returns that turn; an edit that changes nothing, of the last
   * message that started a turn, returns that message's latest turn (`created: false`, nothing
   * written). A regenerate without an id always starts a new turn.
   *
   * Rejects with `MessageNotFoundError` when the named message is not in the session (and no
   * turn replaced it), `NothingToAnswerError` when the session has no message to answer, and
   * `SessionNotFoundError` for a missing session.
   */
  startReplacementTurn(input: StartReplacementTurnInput): Promise<StartTurnResult>;
  /**
   * Answers the tool approvals of a stored assistant message (`answerApprovals`) in one
   * transaction: writes its tool parts in state `approval-responded` and stores a `queued` turn
   * that continues the message (its `assistantMessageId` is the message's id, its
   * `userMessageId` the message the answer answers). The message must be the session's last and
   * every approval it asks for must be answered at once. Idempotent: the same answers again
   * create nothing and return the message's latest turn (`created: false`), so an approved tool
   * runs once however often its approval is sent.
   *
   * Rejects with `ApprovalNotPendingError` when the message is not in the session, is not its
   * last, or the answers do not match its pending approvals; `SessionNotFoundError` for a
   * missing session.
   */
  startApprovalTurn(input: StartApprovalTurnInput): Promise<StartTurnResult>;
  /**
   * Undoes `startTurn` (never `startReplacementTurn`) for a turn that never reached the queue (the broker was down): deletes the
   * queued turn and its user message, so the client can send the same message again. False when
   * the turn is not queued (a worker took it). A follow-up the turn took waits again, so it is
   * never lost.
   */
  discardTurn(turnId: string): Promise<boolean>;
  /** queued → running; false if the turn is not queued. */
  markTurnRunning(turnId: string): Promise<boolean>;
  /**
   * What an executor needs before its model starts, in one call: `markTurnRunning(turnId)`, and
   * the session's messages (`listMessages`) and waiting messages (`listPendingMessages`). The
   * reads do not depend on whether the turn was queued.
   */
  beginTurn(input: BeginTurnInput): Promise<BeganTurn>;
  /**
   * Upserts the assistant message, ends the turn and adds its usage to the session, in one
   * transaction. Idempotent: a turn that already ended is left as it is (returns false), as is
   * a missing one. The message is stored under the turn's `assistantMessageId` whatever id it
   * carries; if that id is already stored in the session (a continued message) it is replaced
   * in place, keeping its position (a message without parts then keeps the stored parts and
   * takes only its metadata: a lost log never erases the answer a turn continued). Every waiting follow-up of the session whose id is a
   * `steering-message` part of the assistant message is taken by the turn in the same
   * transaction: the folded answer is the record of what the model received, so a follow-up is
   * delivered exactly once. Tool parts of calls whose operation already ended take its outcome
   * (see `endOperation`).
   */
  finishTurn(input: FinishTurnInput): Promise<boolean>;
  getTurn(turnId: string): Promise<StoredTurn | null>;
  /**
   * Ends every queued or running turn as failed with `error`; returns how many. Only for a
   * process that knows no other process runs turns on this store (the all-in-one start-up,
   * whose in-memory registry and queue died with the previous process).
   */
  failUnfinishedTurns(error: string): Promise<number>;
  /** Queued or running turns created before `createdBefore`, oldest first (the sweeper's view). */
  listUnfinishedTurns(createdBefore: Date, limit: number): Promise<StoredTurn[]>;
  /** The session's queued or running turns, oldest first. */
  listUnfinishedTurnsOfSession(sessionId: string): Promise<StoredTurn[]>;
  /**
   * Stores a follow-up sent while a turn runs, after the session's other waiting ones. Message
   * ids stay unique within a session across messages and follow-ups: an id already used answers
   * where it is (`pending`, `taken`, `stored`) and writes nothing, so a retried POST is
   * idempotent and concurrent adds of one id add it once. A missing session rejects with
   * `SessionNotFoundError`.
   */
  addPendingMessage(input: AddPendingMessageInput): Promise<AddPendingMessageResult>;
  /**
   * Waiting messages of a session (taken by no turn yet), oldest first: follow-ups and
   * operations' continuations (`mode` tells them apart).
   */
  listPendingMessages(sessionId: string): Promise<PendingMessage[]>;
  /**
   * Sessions that have a waiting follow-up created before `createdBefore`, the one with the
   * oldest such follow-up first (the sweeper's view).
   */
  listSessionsWithPendingMessages(createdBefore: Date, limit: number): Promise<string[]>;
  /** Waiting follow-ups of the scope's sessions, continuations aside (the limit on queued messages). */
  countPendingMessages(scope: LimitScope): Promise<number>;
  /** Queued or running turns of the scope's sessions (the limit on running turns). */
  countUnfinishedTurns(scope: LimitScope): Promise<number>;
  /**
   * Records an operation a tool starts, `pending`, unless the session already has one of the
   * same `inputKey` in progress (`pending` or `running`): then that one, whose outcome from now
   * on shows in this call's tool part (the latest call waiting for it), and nothing else changes.
   * A missing session rejects with `SessionNotFoundError`.
   */
  startOperation(input: StartOperationInput): Promise<StartOperationResult>;
  /** pending → running (its service accepted it); false when it is not pending. */
  markOperationRunning(id: string): Promise<boolean>;
  /**
   * Ends an operation in progress, in one transaction with its effects: with a `continuation`,
   * the tool part of its call in the stored assistant message takes the outcome (an
   * `operation_completed` output, or the error) and `continuation` waits to start the next turn;
   * without one, only the operation changes (the turn that called the tool holds the outcome).
   * An operation whose answer is gone (a regenerate or an edit removed it after its turn
   * finished) ends `cancelled` instead, with nothing continued: there is nothing to continue. Idempotent: an operation that
   * already ended is left as it is (`already-ended`), so a second completion changes nothing.
   * An assistant message not stored yet (its turn still runs) takes the outcome when its turn
   * finishes (see `finishTurn`).
   */
  endOperation(input: EndOperationInput): Promise<EndOperationResult>;
  getOperation(id: string): Promise<Operation | null>;
  /** The session's operations, oldest first. */
  listOperationsOfSession(sessionId: string): Promise<Operation[]>;
  /** Operations in progress whose deadline is before `now`, the most overdue first (the sweeper). */
  listOverdueOperations(now: Date, limit: number): Promise<Operation[]>;
  /** Touches the database (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
