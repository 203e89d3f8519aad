import type { TurnQueue } from '../queue/turn-queue.ts';
import {
  type StreamRegistry,
  TurnNotFoundError,
  type TurnRecord,
} from '../registry/stream-registry.ts';
import { type EndTurnDependencies, endTurn } from './end-turn.ts';
import { turnOutcomes } from './turn-outcomes.ts';

export interface CancelTurnDependencies extends EndTurnDependencies {
  queue: TurnQueue;
  /**
   * How long the executor running a turn has to stop it before the canceller ends it itself
   * (`CANCEL_FORCE_CLOSE_MS`); 0 ends it at once, without waiting for the executor.
   */
  cancelForceCloseMs: number;
}

/**
 * Stops the session's active turn (see `cancelTurn`); resolves once it has ended. False when the
 * session had no active turn.
 */
export async function cancelSessionTurn(
  dependencies: CancelTurnDependencies,
  sessionId: string,
): Promise<boolean> {
  const active = await dependencies.registry.getActiveTurn(sessionId);
  if (!active) return false;
  await cancelTurn(dependencies, active);
  return true;
}

/**
 * Stops a turn as the user's Stop does: the partial answer is kept and the turn ends as
 * cancelled. The cancel flag catches a worker about to start it, the broadcast aborts the model
 * call of the one running it; a turn no worker has started, or one whose worker does not stop
 * within `cancelForceCloseMs` (stuck, or gone), is ended here by the same compare-and-set, so a
 * Stop always stops. Resolves once the turn has ended — also when another closer won the race
 * and is still finishing it (not waited for with `cancelForceCloseMs` 0) — so a caller may start
 * the session's next turn right after.
 */
export async function cancelTurn(
  dependencies: CancelTurnDependencies,
  turn: TurnRecord,
): Promise<void> {
  const { registry, queue, store, logger, cancelForceCloseMs } = dependencies;
  await registry.requestCancel(turn.turnId);
  await queue.broadcastCancel(turn.turnId);
  const waits = cancelForceCloseMs > 0;
  // A queued turn may wait behind other turns for long: it ends here. A worker that takes it
  // meanwhile finds it ended, or has its appends refused.
  if (waits && (await store.getTurn(turn.turnId))?.status !== 'queued') {
    if (await waitUntilEnded(registry, turn.turnId, cancelForceCloseMs)) return;
    logger.warn({ turnId: turn.turnId }, 'cancel not confirmed in time; force-closing');
  }
  if (await endTurn(dependencies, turn, turnOutcomes.cancelled)) return;
  // Another party claimed the end first (its worker, just in time): it is finishing it now.
  if (waits && !(await waitUntilEnded(registry, turn.turnId, cancelForceCloseMs))) {
    logger.warn({ turnId: turn.turnId }, 'the closer of a cancelled turn did not finish in time');
  }
}

/**
 * Waits up to `timeoutMs` for the turn's terminal event (event-driven: a registry read, not
 * polling). True once the turn has ended (or is unknown: it ended and expired); false on timeout.
 */
export async function waitUntilEnded(
  registry: StreamRegistry,
  turnId: string,
  timeoutMs: number,
): Promise<boolean> {
  const turn = await registry.getTurn(turnId);
  if (!turn || (turn.status !== 'running' && turn.status !== 'closing')) return true;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    for await (const event of registry.read(turnId, { after: turn.lastPosition, signal })) {
      if (event.type === 'end') return true;
    }
  } catch (error) {
    if (error instanceof TurnNotFoundError) return true;
    throw error;
  }
  return false;
}
