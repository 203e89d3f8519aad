import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { StreamRegistry, TerminalStatus } from '../registry/stream-registry.ts';
import type { ChatStore, Usage } from '../store/chat-store.ts';
import { endedTurnMessage } from './ended-turn-message.ts';
import { trailingChunks } from './trailing-chunks.ts';

export interface EndTurnDependencies {
  registry: StreamRegistry;
  store: ChatStore;
  logger: Logger;
  metrics: Metrics;
}

/** Shown when a turn ended without an error of its own to show (its executor or state was lost). */
export const unfinishedAnswerText = 'The answer could not be completed.';

export interface TurnOutcome {
  status: TerminalStatus;
  /** Full internal error, logged and stored; never sent to users. */
  error?: string | null;
  /** The masked text shown to users on failure. */
  publicErrorText?: string;
}

/**
 * Ends a turn — the one path for completion, failure, stop and force-close. Only the winner of
 * the compare-and-set continues: it folds the frozen chunk log (plus trailing chunks) into the
 * assistant message, persists it, and only then publishes the terminal event (invariant 5).
 * Returns false when another party had already ended the turn.
 */
export async function endTurn(
  dependencies: EndTurnDependencies,
  turn: { turnId: string; assistantMessageId: string },
  outcome: TurnOutcome,
): Promise<boolean> {
  const error = outcome.error ?? null;
  if (!(await dependencies.registry.claimClose(turn.turnId, outcome.status, error))) return false;
  await finishClaimedTurn(dependencies, turn, { ...outcome, error });
  return true;
}

/**
 * The second half of `endTurn`, for the party that holds the claim — or for the sweeper, when a
 * closer died between its claim and its terminal event. Safe to repeat: the store keeps the first
 * finish, the trailing chunks are computed from the log.
 */
export async function finishClaimedTurn(
  dependencies: EndTurnDependencies,
  turn: { turnId: string; assistantMessageId: string },
  outcome: TurnOutcome,
): Promise<void> {
  const { registry, store, logger, metrics } = dependencies;
  const errorText = outcome.publicErrorText ?? unfinishedAnswerText;
  // Fallback if the log cannot be read: the terminal chunk must still reach readers.
  let trailing = trailingChunks(outcome.status, [], errorText);
  try {
    const log = (await registry.readAll(turn.turnId)).map((entry) => entry.chunk);
    trailing = trailingChunks(outcome.status, log, errorText);
    const message = await endedTurnMessage([...log, ...trailing], turn.assistantMessageId, {
      status: outcome.status,
      publicErrorText: errorText,
    });
    await store.finishTurn({
      turnId: turn.turnId,
      status: outcome.status,
      error: outcome.error ?? null,
      assistantMessage: message,
      usage: usageOf(message?.metadata),
    });
  } catch (persistError) {
    // The turn must still end (never stuck); the failure is an operator problem, logged in full.
    logger.error({ err: persistError, turnId: turn.turnId }, 'could not persist the ended turn');
  }
  await registry.publishClose(turn.turnId, trailing);
  metrics.turnsFinished.inc({ outcome: outcome.status });
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
