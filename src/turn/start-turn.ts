import { setTimeout as sleep } from 'node:timers/promises';
import { chunksOfMessage, restoredMessageEnd } from '../protocol/message-chunks.ts';
import { answerApprovals } from '../protocol/tool-approvals.ts';
import type { TurnJob, TurnQueue } from '../queue/turn-queue.ts';
import {
  isTerminal,
  type OpenTurnInput,
  type OpenTurnResult,
  type TurnRecord,
} from '../registry/stream-registry.ts';
import type { ChatStore, ReplacementTarget, StartTurnResult } from '../store/chat-store.ts';
import { MessageNotFoundError, UnsettledTurnsError } from '../store/chat-store-errors.ts';
import { endAbandonedTurn, isAbandoned } from './abandoned-turn.ts';
import { type EndTurnDependencies, endTurn, logTurnEnd, settleStoredTurn } from './end-turn.ts';
import { type TurnOutcome, turnOutcomes } from './turn-outcomes.ts';
import { requestKeyOf, type TurnRequest } from './turn-request.ts';

export interface StartTurnDependencies extends EndTurnDependencies {
  queue: TurnQueue;
  /**
   * How long a turn may take from opening to being stored and queued; past it, unconfirmed, it
   * counts as abandoned and the next request to its session ends it. Absent: never abandoned.
   */
  enqueueTimeoutMs?: number;
  /** The clock enqueue deadlines are judged by (the registry's); defaults to `Date.now`. */
  now?: () => number;
}

export interface StartTurnInput {
  session: { id: string; userId: string | null };
  request: TurnRequest;
  /** The session's title if it has none yet, set with the new message the turn stores. */
  title?: string;
}

/**
 * - `started`: a new turn is stored and queued.
 * - `retried`: the request was made before; its turn is active, or ended and still replayable.
 * - `busy`: another turn is active in the session (one at a time).
 * - `already-answered`: the request was made before and its turn can no longer be replayed.
 * - `queue-unavailable`: the turn could not be queued; nothing runs.
 *
 * `after` (started, retried) is where the requester's stream starts: 0, or for an approval the
 * end of the restored message the turn's log opens with (the requester holds that message).
 */
export type StartTurnOutcome =
  | { type: 'started'; turnId: string; after: number }
  | { type: 'retried'; turnId: string; after: number }
  | { type: 'busy'; activeTurnId: string }
  | { type: 'already-answered' }
  | { type: 'queue-unavailable' };

/** Abandoned turns ended in a row before a request gives up on its session (it keeps changing). */
const takeOverAttempts = 3;

/**
 * Starts a turn for a new message, a regenerate, an edit or an approval — one path, so each has every
 * guarantee of a turn: one active turn per session (opened in the registry first), the request
 * persisted before its turn is queued (invariant 5), and a retried request answered by the turn
 * it started, never by a second one. Store errors (a missing message, a message id the session
 * uses for another role) reject after the registry turn is released.
 */
export async function startTurn(
  dependencies: StartTurnDependencies,
  input: StartTurnInput,
): Promise<StartTurnOutcome> {
  const { store, registry, queue, logger } = dependencies;
  const { session, request } = input;
  const turnId = crypto.randomUUID();
  // An approval continues the answer that asked for it, under its id.
  const assistantMessageId =
    request.type === 'approval' ? request.assistantMessageId : crypto.randomUUID();
  const requestKey = requestKeyOf(request);
  // The question of a regenerate or an approval is known once the store has resolved it: its
  // registry record names none (readers take it from the stored turn).
  const opened = await openTurnOrFindRetried(dependencies, {
    turnId,
    sessionId: session.id,
    userId: session.userId,
    userMessageId:
      request.type === 'regenerate' || request.type === 'approval' ? '' : request.message.id,
    assistantMessageId,
    requestKey,
    ...(dependencies.enqueueTimeoutMs === undefined
      ? {}
      : { enqueueTimeoutMs: dependencies.enqueueTimeoutMs }),
  });
  if (!opened.opened) {
    // The same request again while its turn runs is a retry: re-attach, don't refuse.
    return opened.activeTurn.requestKey === requestKey
      ? await retried(dependencies, opened.activeTurn.turnId, request)
      : { type: 'busy', activeTurnId: opened.activeTurn.turnId };
  }
  const turn = opened.turn;
  let stored: StoredRequest;
  let after = 0;
  try {
    if (request.type === 'approval') {
      // The answer it continues is read before storing: earlier turns must be settled by then.
      await settleEarlierTurns(dependencies, session.id);
      after = await restoreAnswer(dependencies, turn, request);
    }
    stored = await storeSettled(
      dependencies,
      { sessionId: session.id, turnId, assistantMessageId },
      request,
      input.title,
    );
  } catch (error) {
    await abandonTurn(dependencies, turn, turnOutcomes.notStored);
    throw error;
  }
  const started = stored.result;
  if (!started.created) {
    // A retry of a request whose turn already ended: replay it while the registry still has it.
    await abandonTurn(dependencies, turn, turnOutcomes.duplicateRequest);
    const earlier = await registry.getTurn(started.turn.id);
    return earlier
      ? await retried(dependencies, earlier.turnId, request)
      : { type: 'already-answered' };
  }
  const job: TurnJob = {
    turnId,
    sessionId: session.id,
    userId: session.userId,
    userMessageId: started.turn.userMessageId,
    assistantMessageId,
    enqueuedAt: Date.now(),
    ...(started.conversation === undefined ? {} : { conversation: started.conversation }),
  };
  try {
    await queue.enqueue(job);
  } catch (error) {
    logger.error({ err: error, turnId }, 'could not enqueue the turn');
    if (stored.newMessage) {
      // Nothing was streamed and no worker has it: undo the turn entirely, so the message is not
      // left orphaned and the client can send it again once we recover.
      await store.discardTurn(turnId);
      await abandonTurn(dependencies, turn, turnOutcomes.notQueued);
    } else {
      // What it replaced is gone already: the conversation shows a failed answer to retry.
      await endTurn(dependencies, job, turnOutcomes.notQueued);
    }
    return { type: 'queue-unavailable' };
  }
  if (!(await registry.confirmTurn(turnId))) {
    // Too slow: the turn was taken for abandoned and ended meanwhile. Its stored row ends with it
    // now, rather than when the sweeper finds it; the client reads the failed turn.
    logger.warn({ turnId }, 'the turn ended before it was confirmed queued');
    await settleStoredTurn(dependencies, started.turn);
  }
  return { type: 'started', turnId, after };
}

/** A retry re-attaches where the first request's stream started. */
async function retried(
  dependencies: StartTurnDependencies,
  turnId: string,
  request: TurnRequest,
): Promise<StartTurnOutcome> {
  if (request.type !== 'approval') return { type: 'retried', turnId, after: 0 };
  const log = await dependencies.registry.readAll(turnId);
  return {
    type: 'retried',
    turnId,
    after: restoredMessageEnd(log.map((entry) => entry.chunk)),
  };
}

/**
 * Opens a continued turn's log with the whole answer it continues, approvals answered
 * (`chunksOfMessage`), before anything is stored: however the turn ends — completed, stopped
 * while queued, never queued — the message folded from its log keeps every earlier part, and a
 * reader replaying the turn from its start rebuilds all of it. Returns the position the
 * restored answer ends at (0 when the answers match no pending approval: the store refuses them).
 * The registry turn opened for this session keeps its messages as read here until it ends.
 */
async function restoreAnswer(
  dependencies: StartTurnDependencies,
  turn: TurnRecord,
  request: Extract<TurnRequest, { type: 'approval' }>,
): Promise<number> {
  const { messages } = await dependencies.store.listMessagePage(turn.sessionId, { limit: 1 });
  const last = messages[0];
  if (last?.id !== request.assistantMessageId || last.role !== 'assistant') return 0;
  const outcome = answerApprovals(last, request.responses);
  if (outcome.type !== 'answered') return 0;
  return (await dependencies.registry.append(turn.turnId, chunksOfMessage(outcome.message))) ?? 0;
}

/**
 * Opens the turn; an active turn in the way that was abandoned by its creator is ended first
 * (the same request retried, or a new one), so a crash between opening and queueing a turn
 * blocks its session for seconds, not until the unleased-turn timeout.
 */
async function openTurnTakingOver(
  dependencies: StartTurnDependencies,
  input: OpenTurnInput,
): Promise<OpenTurnResult> {
  const now = dependencies.now ?? Date.now;
  for (let attempt = 1; ; attempt += 1) {
    const opened = await dependencies.registry.openTurn(input);
    if (opened.opened || attempt === takeOverAttempts || !isAbandoned(opened.activeTurn, now())) {
      return opened;
    }
    await endAbandonedTurn(dependencies, opened.activeTurn);
  }
}

/** How often a retry looks whether the first attempt of its request stored it. */
const storedPollMs = 10;

/**
 * Opens the turn, or finds the one in the way. A turn of the same request (a retry sent while
 * its first attempt is still being stored) is joined once that attempt stored the request. One
 * that never does — a regenerate with nothing to answer, a duplicate of an ended turn, an opener
 * that died — ends without a chunk: joining it would answer an empty stream, so the retry tries
 * for itself and gets what its first attempt got (the error, or the earlier turn's replay).
 */
async function openTurnOrFindRetried(
  dependencies: StartTurnDependencies,
  input: OpenTurnInput,
): Promise<OpenTurnResult> {
  for (let attempt = 1; ; attempt += 1) {
    const opened = await openTurnTakingOver(dependencies, input);
    if (opened.opened || opened.activeTurn.requestKey !== input.requestKey) return opened;
    if (attempt === takeOverAttempts) return opened;
    if (await storedByItsRequest(dependencies, opened.activeTurn)) return opened;
  }
}

/**
 * Waits until the request that opened `turn` is stored and queued (`confirmTurn`): true; false
 * once the turn ended or vanished unconfirmed, or its enqueue deadline passed (its opener died:
 * the next open takes the session over).
 */
async function storedByItsRequest(
  dependencies: StartTurnDependencies,
  turn: TurnRecord,
): Promise<boolean> {
  const now = dependencies.now ?? Date.now;
  let current: TurnRecord | null = turn;
  while (current !== null && current.enqueueDeadline !== null) {
    if (isTerminal(current.status) || current.enqueueDeadline <= now()) return false;
    await sleep(storedPollMs);
    current = await dependencies.registry.getTurn(current.turnId);
  }
  return current !== null;
}

interface TurnToStore {
  sessionId: string;
  turnId: string;
  assistantMessageId: string;
}

interface StoredRequest {
  result: StartTurnResult;
  /** The turn answers a message stored with it (not one answered before). */
  newMessage: boolean;
}

/**
 * Stores the request once no earlier turn of the session is unfinished in the store (see
 * `settleEarlierTurns`). The store reports such a turn in the call that stores
 * (`onlyIfSettled`), so the common case costs no query of its own.
 */
async function storeSettled(
  dependencies: StartTurnDependencies,
  turn: TurnToStore,
  request: TurnRequest,
  title: string | undefined,
): Promise<StoredRequest> {
  try {
    return await storeRequest(dependencies.store, { ...turn, onlyIfSettled: true }, request, title);
  } catch (error) {
    if (!(error instanceof UnsettledTurnsError)) throw error;
  }
  await settleEarlierTurns(dependencies, turn.sessionId);
  return storeRequest(dependencies.store, turn, request, title);
}

/**
 * Stores the request with its queued turn (see `ChatStore.startTurn`, `startReplacementTurn`);
 * `title` goes with a new message only.
 */
async function storeRequest(
  store: ChatStore,
  turn: TurnToStore & { onlyIfSettled?: boolean },
  request: TurnRequest,
  title: string | undefined,
): Promise<StoredRequest> {
  const titled = title === undefined ? {} : { title };
  // Only a new message's turn carries its conversation (read by the statement that stores it):
  // the others read theirs when they begin.
  if (request.type === 'message') {
    return {
      result: await store.startTurn({
        ...turn,
        userMessage: request.message,
        ...titled,
        withConversation: true,
      }),
      newMessage: true,
    };
  }
  if (request.type === 'approval') {
    const { sessionId, turnId } = turn;
    const { assistantMessageId, responses } = request;
    return {
      result: await store.startApprovalTurn({ sessionId, turnId, assistantMessageId, responses }),
      newMessage: false,
    };
  }
  const target: ReplacementTarget =
    request.type === 'edit'
      ? { type: 'edit', message: request.message }
      : { type: 'regenerate', messageId: request.messageId };
  try {
    return { result: await store.startReplacementTurn({ ...turn, target }), newMessage: false };
  } catch (error) {
    if (request.type !== 'regenerate' || request.sendIfMissing === undefined) throw error;
    if (!(error instanceof MessageNotFoundError)) throw error;
    const userMessage = request.sendIfMissing;
    return {
      result: await store.startTurn({ ...turn, userMessage, ...titled, withConversation: true }),
      newMessage: true,
    };
  }
}

/** Ends a turn that never reached the queue; nothing was streamed, nothing to persist. */
async function abandonTurn(
  dependencies: StartTurnDependencies,
  turn: TurnRecord,
  outcome: TurnOutcome,
): Promise<void> {
  const { registry, logger } = dependencies;
  if (await registry.claimClose(turn.turnId, outcome.status, outcome.error)) {
    await registry.publishClose(turn.turnId, []);
    logTurnEnd(logger, turn.turnId, outcome);
    // Follow-ups posted meanwhile saw this turn active and count on its end to start them.
    await dependencies.afterTurnEnded?.(turn.sessionId);
  }
}

/**
 * The registry has just let this session open a turn, so no earlier turn of it runs there; one
 * the store still has unfinished lost its registry state (a restarted Redis). It is ended here,
 * before the request is stored: left to the sweeper (which waits for a grace period), its
 * assistant message would be stored after the new turn's messages, out of order.
 */
async function settleEarlierTurns(
  dependencies: StartTurnDependencies,
  sessionId: string,
): Promise<void> {
  for (const stored of await dependencies.store.listUnfinishedTurnsOfSession(sessionId)) {
    if (await settleStoredTurn(dependencies, stored)) {
      dependencies.logger.warn(
        { turnId: stored.id, sessionId },
        'ended a turn the registry no longer ran',
      );
    }
  }
}
