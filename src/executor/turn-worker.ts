import type { TurnQueue } from '../queue/turn-queue.ts';
import { endTurn } from '../turn/end-turn.ts';
import { turnOutcomes, withError } from '../turn/turn-outcomes.ts';
import { type AbortReason, type RunTurnDependencies, runTurn } from './run-turn.ts';

export interface TurnWorker {
  /** Stops taking turns; turns still running after `deadlineMs` are aborted and end as failed. */
  stop(deadlineMs: number): Promise<void>;
}

/**
 * Consumes turn jobs with bounded concurrency and routes cancels to the turn they name. The
 * cancel listener is registered before any job runs, so a cancel can never slip between the
 * flag check in `runTurn` and the abort wiring.
 */
export async function startTurnWorker(
  dependencies: RunTurnDependencies & { queue: TurnQueue },
  options: { concurrency: number },
): Promise<TurnWorker> {
  const running = new Map<string, AbortController>();
  const unsubscribe = dependencies.queue.onCancel((turnId) => {
    running.get(turnId)?.abort('cancelled' satisfies AbortReason);
  });
  const consumer = await dependencies.queue.consume(async (job) => {
    const controller = new AbortController();
    running.set(job.turnId, controller);
    try {
      await runTurn(dependencies, job, controller.signal);
    } catch (error) {
      dependencies.logger.error({ err: error, turnId: job.turnId }, 'turn crashed');
      const reason = error instanceof Error ? error.message : String(error);
      await endTurn(dependencies, job, withError(turnOutcomes.crashed, reason)).catch(
        (endError: unknown) =>
          dependencies.logger.error({ err: endError, turnId: job.turnId }, 'could not end turn'),
      );
    } finally {
      running.delete(job.turnId);
    }
  }, options);
  return {
    async stop(deadlineMs) {
      const stopped = consumer.stop();
      const deadline = setTimeout(() => {
        for (const controller of running.values())
          controller.abort('shutdown' satisfies AbortReason);
      }, deadlineMs);
      try {
        await stopped;
      } finally {
        clearTimeout(deadline);
        unsubscribe();
      }
    },
  };
}
