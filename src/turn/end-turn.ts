import type { UIMessageChunk } from 'ai';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { isTerminal, type StreamRegistry } from '../registry/stream-registry.ts';
import type { ChatStore, StoredTurn, Usage } from '../store/chat-store.ts';
import { endedTurnMessage } from './ended-turn-message.ts';
import { trailingChunks } from './trailing-chunks.ts';
import { type TurnOutcome, turnOutcomes, unfinishedAnswerText } from './turn-outcomes.ts';

/** A session's turn ended (or could not start): its waiting follow-ups must start the next one. */
export type AfterTurnEnded = (sessionId: string) => Promise<void>;

export interface EndTurnDependencies {
  registry: StreamRegistry;
  store: ChatStore;
  logger: Logger;
  metrics: Metrics;
  /**
   * Called after a turn's terminal event is published, to start the session's waiting
   * follow-ups (`start-follow-ups.ts`); never rejects. Absent: they wait for the sweeper.
   */
  afterTurnEnded?: AfterTurnEnded;
}

/** What ending a turn needs to know of it. */
export interface EndingTurn {
  turnId: string;
  sessionId: string;
  assistantMessageId: string;
}

/**
 * Ends a turn — the one path for completion, failure, stop and force-close. Only the winner of
 * the compare-and-set continues: it folds the frozen chunk log (plus trailing chunks) into the
 * assistant message, persists it, and only then publishes the terminal event (invariant 5).
 * Returns false when another party had already ended the turn.
 */
export async function endTurn(
  dependencies: EndTurnDependencies,
  turn: EndingTurn,
  outcome: TurnOutcome,
  written?: WrittenLog,
): Promise<boolean> {
  if (!(await dependencies.registry.claimClose(turn.turnId, outcome.status, outcome.error))) {
    return false;
  }
  await finishClaimedTurn(dependencies, turn, outcome, written);
  return true;
}

/**
 * The turn's whole log, known to the closer because it wrote every chunk of it (`ChunkWriter.log`):
 * folded as it is instead of read back from the registry. Once the close is claimed nobody appends.
 * `appended` is in the registry; `unpublished` follows it and goes out with the terminal event, in
 * the same append (a writer's last buffered chunks: one append fewer between the model's last word
 * and the end). If the close is lost to another party, `unpublished` is dropped: that party ended
 * the turn from the registry's log, which refuses appends from then on anyway.
 */
export interface WrittenLog {
  appended: readonly UIMessageChunk[];
  unpublished: readonly UIMessageChunk[];
}

/**
 * The second half of `endTurn`, for the party that holds the claim — or for the sweeper, when a
 * closer died between its claim and its terminal event. Safe to repeat: the store keeps the first
 * finish, the trailing chunks are computed from the log.
 */
export async function finishClaimedTurn(
  dependencies: EndTurnDependencies,
  turn: EndingTurn,
  outcome: TurnOutcome,
  written?: WrittenLog,
): Promise<void> {
  const { registry, store, logger, metrics } = dependencies;
  const errorText = outcome.publicErrorText ?? unfinishedAnswerText;
  const unpublished = written?.unpublished ?? [];
  // Fallback if the log cannot be read: the terminal chunk must still reach readers.
  let trailing = trailingChunks(outcome.status, [], errorText);
  try {
    const log = written
      ? [...written.appended, ...unpublished]
      : (await registry.readAll(turn.turnId)).map((entry) => entry.chunk);
    trailing = trailingChunks(outcome.status, log, errorText, turn.assistantMessageId);
    const message = await endedTurnMessage([...log, ...trailing], turn.assistantMessageId, {
      status: outcome.status,
      publicErrorText: errorText,
    });
    await store.finishTurn({
      turnId: turn.turnId,
      status: outcome.status,
      error: outcome.error,
      assistantMessage: message,
      usage: usageOf(message?.metadata),
    });
  } catch (persistError) {
    // The turn must still end (never stuck); the failure is an operator problem, logged in full.
    logger.error({ err: persistError, turnId: turn.turnId }, 'could not persist the ended turn');
  }
  await registry.publishClose(turn.turnId, [...unpublished, ...trailing]);
  metrics.turnsFinished.inc({ outcome: outcome.status });
  logTurnEnd(logger, turn.turnId, outcome);
  // After the terminal event: a follow-up posted before it saw the turn active and left it to
  // this call; one posted after it finds no active turn and starts itself.
  await dependencies.afterTurnEnded?.(turn.sessionId);
}

/** The one log line of every ended turn, by its outcome's code (what operators count). */
export function logTurnEnd(logger: Logger, turnId: string, outcome: TurnOutcome): void {
  logger.info({ turnId, outcome: outcome.code, status: outcome.status }, 'turn ended');
}

/**
 * Ends a turn the store still has as queued or running although the registry no longer runs it:
 * its registry turn ended but persisting that failed (folded from the registry's log, with its
 * status), or its registry state vanished (a restarted Redis, an expired key) and it fails with
 * nothing left to fold. False when the registry still runs it or someone else finished it first.
 */
export async function settleStoredTurn(
  dependencies: Pick<EndTurnDependencies, 'registry' | 'store' | 'logger'>,
  stored: StoredTurn,
): Promise<boolean> {
  const { registry, store, logger } = dependencies;
  const live = await registry.getTurn(stored.id);
  if (live && !isTerminal(live.status)) return false;
  const log = live ? await registry.readAll(stored.id) : [];
  const status = live && isTerminal(live.status) ? live.status : 'failed';
  const message = await endedTurnMessage(
    log.map((entry) => entry.chunk),
    stored.assistantMessageId,
    { status, publicErrorText: unfinishedAnswerText },
  );
  const finished = await store.finishTurn({
    turnId: stored.id,
    status,
    error: live?.error ?? turnOutcomes.streamStateLost.error,
    assistantMessage: message,
    usage: null,
  });
  // A turn the registry ended was logged then; one whose registry state vanished ends only here.
  if (finished && !live) logTurnEnd(logger, stored.id, turnOutcomes.streamStateLost);
  return finished;
}

function usageOf(metadata: unknown): Usage | null {
  if (typeof metadata !== 'object' || metadata === null || !('usage' in metadata)) return null;
  const usage = (metadata as { usage: unknown }).usage;
  if (typeof usage !== 'object' || usage === null) return null;
  const { inputTokens, outputTokens, totalTokens } = usage as Record<string, unknown>;
  const count = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) ? value : 0;
  return {
    inputTokens: count(inputTokens),
    outputTokens: count(outputTokens),
    totalTokens: count(totalTokens) || count(inputTokens) + count(outputTokens),
  };
}
