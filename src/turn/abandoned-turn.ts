import type { TurnRecord } from '../registry/stream-registry.ts';
import { type EndTurnDependencies, finishClaimedTurn, logTurnEnd } from './end-turn.ts';
import { turnOutcomes } from './turn-outcomes.ts';

/**
 * A running turn whose creator promised to confirm it stored and queued by `enqueueDeadline`,
 * did not, and that no executor ever leased: the creator died (or stalled) before the turn could
 * reach a worker, so nothing will ever run it. `now` is compared with the registry's clock, as
 * leases are.
 */
export function isAbandoned(turn: TurnRecord, now: number): boolean {
  return (
    turn.status === 'running' &&
    turn.enqueueDeadline !== null &&
    turn.enqueueDeadline <= now &&
    turn.leaseOwner === null
  );
}

/**
 * Ends an abandoned turn so its session is free at once: by the same compare-and-set as every
 * other ending (false when someone else ended it first). A new message it stored and never queued
 * is undone, as when the queue refuses it, so the client's retry of that message is answered by a
 * new turn; anything else stored ends as a failed answer. An executor that still takes the job
 * (the creator died after queueing it) finds the turn ended and leaves it.
 */
export async function endAbandonedTurn(
  dependencies: EndTurnDependencies,
  turn: TurnRecord,
): Promise<boolean> {
  const { registry, store, logger } = dependencies;
  const outcome = turnOutcomes.abandoned;
  if (!(await registry.claimClose(turn.turnId, outcome.status, outcome.error))) return false;
  logger.warn({ turnId: turn.turnId, sessionId: turn.sessionId }, 'ended an abandoned turn');
  const stored = await store.getTurn(turn.turnId);
  if (stored?.status === 'queued' && stored.replacedMessageId === null) {
    if (await store.discardTurn(turn.turnId)) {
      await registry.publishClose(turn.turnId, []);
      logTurnEnd(logger, turn.turnId, outcome);
      await dependencies.afterTurnEnded?.(turn.sessionId);
      return true;
    }
  }
  await finishClaimedTurn(dependencies, turn, outcome);
  return true;
}
