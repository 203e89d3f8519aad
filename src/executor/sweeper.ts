import type { TurnRecord } from '../registry/stream-registry.ts';
import { endAbandonedTurn, isAbandoned } from '../turn/abandoned-turn.ts';
import {
  type EndTurnDependencies,
  endTurn,
  finishClaimedTurn,
  settleStoredTurn,
} from '../turn/end-turn.ts';
import { endOperation } from '../turn/end-operation.ts';
import { turnOutcomes, withError, withStatus } from '../turn/turn-outcomes.ts';

export interface SweeperOptions {
  /** This process's identity; the sweep lock names who acts. */
  ownerId: string;
  intervalMs: number;
  /** A lapsed lease is given this much longer (clock skew, a slow refresh) before the turn ends. */
  leaseGraceMs: number;
  /** A turn no executor has leased after this long is ended (lost job, API crashed mid-enqueue). */
  unleasedTurnTimeoutMs: number;
  /** A closer that claimed a turn and did not publish its end within this long has died. */
  closingGraceMs: number;
  /** Store rows still unfinished this long after creation are checked against the registry. */
  storeGraceMs: number;
  /** The clock leases and deadlines are compared with; the registry's own (tests share a fake). */
  now?: () => number;
  /**
   * For a process that runs no executor (the API): once no executor has taken jobs for
   * `timeoutMs`, running turns none has leased are ended, saying why. Executors that come back
   * find them ended and leave them.
   */
  noExecutor?: {
    availability: { unavailableSince(): Promise<number | null> };
    timeoutMs: number;
  };
}

export interface SweepReport {
  /** False when another process holds the sweep lock this round. */
  acted: boolean;
  ended: string[];
  /** Operations this round ended because their deadline passed. */
  expiredOperations: string[];
}

export interface Sweeper {
  sweepOnce(): Promise<SweepReport>;
  stop(): Promise<void>;
}

const lockName = 'sweeper';

/**
 * Ends turns that cannot end by themselves (invariant 3), on a timer, whether or not a client
 * looks: a running turn whose executor's lease lapsed, a turn no executor ever took, a turn its
 * creator abandoned before queueing it, a turn whose closer died mid-close, a stored turn whose
 * registry state vanished, and (`noExecutor`) turns waiting while no executor exists; and it
 * expires long-running operations past their deadline. Any number of processes
 * run a sweeper; a lock lets one act per round. Every ending goes through the same
 * compare-and-set as everything else, so a sweep racing a live executor is safe.
 */
export function startSweeper(dependencies: EndTurnDependencies, options: SweeperOptions): Sweeper {
  const { registry, store, logger } = dependencies;
  let running: Promise<SweepReport> | null = null;

  async function sweepTurn(
    turn: TurnRecord,
    now: number,
    executorsGone: boolean,
  ): Promise<boolean> {
    if (isAbandoned(turn, now)) return endAbandonedTurn(dependencies, turn);
    if (turn.status === 'running' && turn.leaseOwner === null && executorsGone) {
      return endTurn(dependencies, turn, turnOutcomes.noExecutor);
    }
    if (turn.status === 'running') {
      const leaseLapsed =
        turn.leaseExpiresAt !== null && turn.leaseExpiresAt + options.leaseGraceMs < now;
      const neverTaken =
        turn.leaseExpiresAt === null && turn.createdAt + options.unleasedTurnTimeoutMs < now;
      if (leaseLapsed) return endTurn(dependencies, turn, turnOutcomes.executorGone);
      if (neverTaken) return endTurn(dependencies, turn, turnOutcomes.notTaken);
      return false;
    }
    if (
      turn.status === 'closing' &&
      turn.closingStatus !== null &&
      (turn.closingAt ?? now) + options.closingGraceMs < now
    ) {
      // The outcome its closer claimed is known only by its status and internal reason.
      const resumed = withStatus(turnOutcomes.closeResumed, turn.closingStatus);
      await finishClaimedTurn(dependencies, turn, withError(resumed, turn.error));
      return true;
    }
    return false;
  }

  /** Stored turns still queued/running whose registry turn ended or vanished. */
  async function sweepStore(now: number): Promise<string[]> {
    const ended: string[] = [];
    const stale = await store.listUnfinishedTurns(new Date(now - options.storeGraceMs), 100);
    for (const stored of stale) {
      if (await settleStoredTurn(dependencies, stored)) ended.push(stored.id);
    }
    return ended;
  }

  /**
   * Sessions whose follow-ups wait with no turn running: the process whose turn ended there died
   * before it started them (or could not queue them). Only follow-ups older than the store's
   * grace period, so a POST placing one right now is left to finish its own work.
   */
  async function sweepFollowUps(now: number): Promise<void> {
    if (!dependencies.afterTurnEnded) return;
    const waiting = await store.listSessionsWithPendingMessages(
      new Date(now - options.storeGraceMs),
      100,
    );
    for (const sessionId of waiting) {
      if (await registry.getActiveTurn(sessionId)) continue;
      logger.warn({ sessionId }, 'starting follow-ups nobody started');
      await dependencies.afterTurnEnded(sessionId);
    }
  }

  /**
   * Operations whose service did not complete them by their deadline: they end as expired, and
   * their continuation tells the user (the same path as a completion, so one racing this one
   * leaves exactly one ending).
   */
  async function sweepOperations(now: number): Promise<string[]> {
    const expired: string[] = [];
    for (const operation of await store.listOverdueOperations(new Date(now), 100)) {
      try {
        const ended = await endOperation(dependencies, {
          operationId: operation.id,
          status: 'expired',
          error: `no completion arrived by its deadline (${operation.deadline.toISOString()})`,
        });
        if (ended.type === 'ended') expired.push(operation.id);
      } catch (error) {
        logger.error(
          { err: error, operationId: operation.id },
          'sweeper could not expire an operation',
        );
      }
    }
    return expired;
  }

  async function executorsGoneFor(now: number): Promise<boolean> {
    if (!options.noExecutor) return false;
    const since = await options.noExecutor.availability.unavailableSince();
    return since !== null && since + options.noExecutor.timeoutMs <= now;
  }

  async function sweep(): Promise<SweepReport> {
    const ttl = Math.max(options.intervalMs * 3, 1000);
    if (!(await registry.acquireLock(lockName, options.ownerId, ttl))) {
      return { acted: false, ended: [], expiredOperations: [] };
    }
    const now = (options.now ?? Date.now)();
    const ended: string[] = [];
    const executorsGone = await executorsGoneFor(now);
    for (const turnId of await registry.listActiveTurnIds()) {
      const turn = await registry.getTurn(turnId);
      try {
        if (turn && (await sweepTurn(turn, now, executorsGone))) ended.push(turnId);
      } catch (error) {
        logger.error({ err: error, turnId }, 'sweeper could not end a turn');
      }
    }
    ended.push(...(await sweepStore(now)));
    await sweepFollowUps(now);
    const expiredOperations = await sweepOperations(now);
    if (ended.length > 0) logger.warn({ turns: ended }, 'sweeper ended stuck turns');
    return { acted: true, ended, expiredOperations };
  }

  const sweepOnce = () => {
    running ??= sweep().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    sweepOnce().catch((error: unknown) => logger.error({ err: error }, 'sweep failed'));
  }, options.intervalMs);
  timer.unref();

  return {
    sweepOnce,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
