import type { BenchPlan, ConcurrencyLevel } from './bench-plan.ts';
import type { IdleSubscribersResult } from './idle-subscribers.ts';
import type { Percentiles } from './statistics.ts';

export type SystemName = 'baseline' | 'embedded' | 'distributed' | 'cluster';
export type DurableSystemName = Exclude<SystemName, 'baseline'>;
/** The deployments of API + executor processes: on a standalone Redis, or on a Redis Cluster. */
export type DeploymentName = 'distributed' | 'cluster';

/** How the tables name each system. */
export const systemLabels: Record<SystemName, string> = {
  baseline: 'baseline',
  embedded: 'embedded',
  distributed: 'distributed',
  cluster: 'distributed (Redis Cluster, 3 masters)',
};

/** Per system; the cluster's only when this run had it (the registry supports REDIS_CLUSTER). */
export type PerSystem<Value> = Record<Exclude<SystemName, 'cluster'>, Value> & { cluster?: Value };

export interface LevelMeasurement {
  headers: Percentiles;
  firstByte: Percentiles;
  total: Percentiles;
  wordsPerSecond: number;
  eventsPerSecond: number;
  failures: number;
  failureSamples: string[];
  /** Sessions created inside the window because the pool ran dry (absent in older results). */
  sessionsCreatedUnderLoad?: number;
  /** Share of one core per process (servers and the load generator) during the window. */
  cpu: Record<string, number>;
  /** Share of one core used by each server process's main thread (its event loop). */
  mainThreadCpu?: Record<string, number>;
}

export interface LevelResults {
  level: ConcurrencyLevel;
  systems: PerSystem<LevelMeasurement>;
}

export interface ResumeMeasurement {
  firstByte: Percentiles;
  catchUp: Percentiles;
  /** Stream positions the turn had when it was resumed (1,000 tokens, coalesced or not). */
  positions: number;
  /** The turn ended and every word arrived exactly once across the readers. */
  complete: boolean;
}

/** Redis commands counted around one deployment's runs with one label. */
export interface RedisPhase {
  deployment: DeploymentName;
  label: string;
  /** The model's pace in these runs, and how many turns ran at once (none: the resume run). */
  tokenDelayMs: number;
  concurrency?: number;
  /** `INFO commandstats` delta: every command, those run inside Lua scripts included. */
  commands: Record<string, number>;
  /** Words (tokens) the model streamed in these runs. */
  words: number;
  /**
   * Counted against the 1 ms targets: the runs that stream turns at the plan's token pace (not
   * the resume run, which mostly reads, nor the paced runs, which have targets of their own).
   */
  counted: boolean;
  /** An accounting run (MONITOR on; its latency is not reported). */
  accounting?: boolean;
  /** MONITOR: commands each process sent (EVALSHA counts one). */
  sent?: Record<string, number>;
  /** MONITOR: commands run inside Lua scripts. */
  insideScripts?: number;
}

export interface MachineDescription {
  /** The commit measured, and whether `src/` differed from it. */
  revision: string;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  redis: string;
  postgres: string;
  /** 1-minute load average before the run and after it: other work on the box skews figures. */
  loadAverageBefore: number;
  loadAverageAfter: number;
}

/** Everything a run measured; `benchmark-report.ts` turns it into BENCHMARKS.md. */
export interface BenchResults {
  plan: BenchPlan;
  startedAt: Date;
  durationSeconds: number;
  machine: MachineDescription;
  levels: LevelResults[];
  /** Levels again on fresh servers whose model streams at a real model's pace. */
  paced: { tokenDelayMs: number; levels: LevelResults[] } | undefined;
  resume: Omit<PerSystem<ResumeMeasurement>, 'baseline'>;
  /** Turns of the accounting runs that did not end with every word (their latency is unused). */
  accountingFailures: number;
  redisPhases: RedisPhase[];
  /** Redis was a private server (exact counts) rather than the shared one. */
  privateRedis: boolean;
  idle: IdleSubscribersResult[];
  /** Per level label: the executor's enqueue → first chunk histogram over the measured runs. */
  executorFirstChunk: Record<string, [number, number][]>;
  /** Most TCP connections to Redis seen per distributed process (API, executor) under load. */
  deploymentRedisConnections: Record<string, number>;
  /** The distributed executors' `COALESCE_WINDOW_MS`: the product's default on Redis, unset. */
  coalesceWindowMs: number;
  /** `FINISHED_TURN_TTL_SECONDS` (default), in ms: how long a finished turn's keys stay. */
  finishedTurnTtlMs: number;
  /** `REDIS_KEY_BUCKETS` (default): the slots a deployment's keys spread over, so its most shards. */
  redisKeyBuckets: number;
  /** Why the run has no Redis Cluster rows, when it has none. */
  clusterSkipped?: string;
  redisMemory: RedisMemoryMeasurement[];
  /** PostgreSQL rows each deployment wrote over all its runs, read when it stopped. */
  postgresWrites: PostgresWrites[];
}

/**
 * Redis `used_memory` growth per turn while turns run (`running` of the `turns` started at once,
 * each had streamed `wordsAtSample` of its `words` tokens on average), and per turn once they
 * have all ended, their keys still within the finished-turn TTL (`measure-redis-memory.ts`).
 */
export interface RedisMemoryMeasurement {
  deployment: DeploymentName;
  turns: number;
  words: number;
  running: number;
  /** Turns that did not end with `[DONE]` and every word (must be 0). */
  failures: number;
  wordsAtSample: number;
  activeBytesPerTurn: number;
  finishedBytesPerTurn: number;
}

/** PostgreSQL statistics of one deployment's database once its processes stopped. */
export interface PostgresWrites {
  deployment: DeploymentName;
  turns: number;
  sessions: number;
  /** Rows inserted, updated or deleted per table (`pg_stat_user_tables`), migrations included. */
  rowsWrittenByTable: Record<string, number>;
  /** Transactions committed (read-only ones included: each statement outside one counts). */
  commits: number;
}
