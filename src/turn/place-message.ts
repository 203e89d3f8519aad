import { setTimeout as sleep } from 'node:timers/promises';
import type { UIMessage } from 'ai';
import type { TurnRecord } from '../registry/stream-registry.ts';
import type { PendingMode } from '../store/chat-store.ts';
import { type CancelTurnDependencies, cancelSessionTurn } from './cancel-turn.ts';
import { startFollowUps } from './start-follow-ups.ts';
import { startTurn, type StartTurnDependencies, type StartTurnOutcome } from './start-turn.ts';

/**
 * What to do with a new message when a turn is already running in its session:
 * - `steer`: the running turn's model receives it at its next step boundary;
 * - `queue`: it receives it once its current task is answered;
 * - `interrupt`: the running turn is stopped (as a Stop) and a new turn answers it;
 * - `reject`: refused (`busy`).
 * With no turn running, every strategy starts a turn.
 */
export type Multitask = 'steer' | 'queue' | 'interrupt' | 'reject';

export const multitaskStrategies: readonly Multitask[] = ['steer', 'queue', 'interrupt', 'reject'];

export interface PlaceMessageDependencies extends StartTurnDependencies, CancelTurnDependencies {}

export interface PlaceMessageInput {
  session: { id: string; userId: string | null };
  message: UIMessage;
  multitask: Multitask;
  /** The session's title if it has none yet, set once a turn has stored the message. */
  title?: string;
  /** Runs before the message is added to a running turn's follow-ups (a limit; may throw). */
  beforeFollowUp?: () => Promise<void>;
  /** Runs before a new turn is started for the message (a limit; may throw). */
  beforeStart?: () => Promise<void>;
}

/**
 * - `started`: a new turn answers the message (`retried`: an earlier POST of it started it).
 * - `steered` / `queued`: the message waits as a follow-up of the running turn `turnId`: its
 *   model takes it, or the message starts the next turn when that turn ends without it.
 * - `interrupted`: the running turn was stopped and `turnId` answers the message.
 * - `busy`, `already-answered`, `queue-unavailable`: as for `startTurn`.
 */
export type PlaceMessageOutcome =
  | {
      type: 'started' | 'retried' | 'steered' | 'queued' | 'interrupted';
      turnId: string;
      /** Where the requester's stream starts (see `StartTurnOutcome`); 0 when absent. */
      after?: number;
    }
  | { type: 'busy'; activeTurnId: string }
  | { type: 'already-answered' }
  | { type: 'queue-unavailable' };

/** Rounds before giving up on a session whose turns keep changing under the request. */
const placeAttempts = 3;

/**
 * Places a new message: starts a turn for it, or — a turn running — makes it a durable follow-up
 * of that turn (stored first, so no process dying later loses it), stops that turn first, or
 * refuses it. A retried POST of the same message finds where the first one placed it.
 *
 * A follow-up is answered exactly once: the running turn's executor hands it to the model at a
 * step boundary and the turn's end records it taken if the model received it; otherwise that end
 * starts the next turn with it. The only gap is a turn that ended between this request seeing it
 * active and storing the follow-up: checked again here after storing, and started here.
 */
export async function placeMessage(
  dependencies: PlaceMessageDependencies,
  input: PlaceMessageInput,
): Promise<PlaceMessageOutcome> {
  const { session, message, multitask } = input;
  let interrupted = false;
  if (multitask === 'interrupt') interrupted = await cancelSessionTurn(dependencies, session.id);
  let started: StartTurnOutcome = { type: 'already-answered' };
  for (let attempt = 0; attempt < placeAttempts; attempt += 1) {
    // Starting is tried even with a turn active: that turn may be abandoned (taken over), or
    // this message's own (a retry re-attaches). The start's limit applies to new turns only.
    if (input.beforeStart) {
      // The limit is read while the registry is asked whether a turn runs (two round trips
      // overlap); it counts only if none does.
      const limit = input.beforeStart();
      limit.catch(() => undefined);
      if (!(await dependencies.registry.getActiveTurn(session.id))) await limit;
    }
    started = await startTurn(dependencies, {
      session,
      request: { type: 'message', message },
      ...(input.title === undefined ? {} : { title: input.title }),
    });
    if (started.type !== 'busy') return withInterruption(started, interrupted);
    if (multitask === 'reject') return started;
    // A turn runs (an interrupt lost the race to a follow-up that started one): the message
    // joins it, as a steering message of that turn.
    const mode = multitask === 'queue' ? 'queue' : 'steer';
    const followUp = await addFollowUp(dependencies, input, mode);
    if (followUp && interrupted && 'turnId' in followUp) {
      return { type: 'interrupted', turnId: followUp.turnId };
    }
    if (followUp) return followUp;
  }
  return withInterruption(started, interrupted);
}

async function addFollowUp(
  dependencies: PlaceMessageDependencies,
  input: PlaceMessageInput,
  mode: PendingMode,
): Promise<PlaceMessageOutcome | null> {
  const { store, registry } = dependencies;
  const { session, message } = input;
  await input.beforeFollowUp?.();
  const added = await store.addPendingMessage({ sessionId: session.id, message, mode });
  switch (added.type) {
    case 'stored':
      // An earlier POST of it started a turn: the next round re-attaches to that turn.
      return null;
    case 'taken': {
      const turn = await registry.getTurn(added.turnId);
      return turn ? { type: 'retried', turnId: turn.turnId } : { type: 'already-answered' };
    }
    case 'added':
    case 'pending': {
      let active = await settledActiveTurn(dependencies, session.id);
      if (!active) {
        // The turn ended before the follow-up was stored, so its end did not see it.
        await startFollowUps(dependencies, session.id);
        active = await registry.getActiveTurn(session.id);
      }
      if (!active) return null;
      await noteFollowUp(dependencies, active.turnId);
      return { type: mode === 'queue' ? 'queued' : 'steered', turnId: active.turnId };
    }
  }
  return null;
}

/**
 * Tells the running turn's executor that the store holds a follow-up for it (it reads the store
 * at a step's end only then). Not counted (a registry error), the message still waits in the
 * store: the turn's end starts it as the next turn.
 */
async function noteFollowUp(dependencies: PlaceMessageDependencies, turnId: string): Promise<void> {
  try {
    await dependencies.registry.noteFollowUp(turnId);
  } catch (error) {
    dependencies.logger.warn({ err: error, turnId }, 'could not count a follow-up');
  }
}

/** How often a request waiting for another request's turn to be queued looks again. */
const confirmationPollMs = 5;

/**
 * The session's active turn once it is known to be queued. A turn another request opened a
 * moment ago may still fail to store or queue its message and end with nothing streamed:
 * answering this request with that turn's stream would show an empty answer. Its opener confirms
 * it or ends it within the enqueue deadline, and its end starts the follow-ups, this one too.
 */
async function settledActiveTurn(
  dependencies: PlaceMessageDependencies,
  sessionId: string,
): Promise<TurnRecord | null> {
  const now = dependencies.now ?? Date.now;
  for (;;) {
    const active = await dependencies.registry.getActiveTurn(sessionId);
    if (!active || active.enqueueDeadline === null || active.leaseOwner !== null) return active;
    // Past its deadline it is abandoned: whoever is next ends it; the sweeper at the latest.
    if (active.enqueueDeadline <= now()) return active;
    await sleep(confirmationPollMs);
  }
}

function withInterruption(outcome: StartTurnOutcome, interrupted: boolean): PlaceMessageOutcome {
  if (outcome.type === 'started' && interrupted) return { ...outcome, type: 'interrupted' };
  return outcome;
}
