import type { BenchPlan, ConcurrencyLevel } from './bench-plan.ts';
import type { IdleSubscribersResult } from './idle-subscribers.ts';
import type { Percentiles } from './statistics.ts';

export type SystemName = 'baseline' | 'embedded' | 'distributed';
export type DurableSystemName = Exclude<SystemName, 'baseline'>;

export interface LevelMeasurement {
  headers: Percentiles;
  firstByte: Percentiles;
  total: Percentiles;
  wordsPerSecond: number;
  eventsPerSecond: number;
  failures: number;
  failureSamples: string[];
  /** Share of one core per process (servers and the load generator) during the window. */
  cpu: Record<string, number>;
  /** Share of one core used by each server process's main thread (its event loop). */
  mainThreadCpu?: Record<string, number>;
}

export interface LevelResults {
  level: ConcurrencyLevel;
  systems: Record<SystemName, LevelMeasurement>;
}

export interface ResumeMeasurement {
  firstByte: Percentiles;
  catchUp: Percentiles;
  /** Stream positions the turn had when it was resumed (1,000 tokens, coalesced or not). */
  positions: number;
  /** The turn ended and every word arrived exactly once across the readers. */
  complete: boolean;
}

/** Redis commands counted around the distributed deployment's runs with one label. */
export interface RedisPhase {
  label: string;
  /** `INFO commandstats` delta: every command, those run inside Lua scripts included. */
  commands: Record<string, number>;
  /** Words (tokens) the model streamed in these runs. */
  words: number;
  /**
   * Counted against the target: the runs that stream turns at the plan's token pace (not the
   * resume run, which mostly reads, nor the paced run).
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
  /** One level again on fresh servers whose model is slow enough that nothing is CPU-bound. */
  paced: { tokenDelayMs: number; results: LevelResults } | undefined;
  resume: Record<DurableSystemName, ResumeMeasurement>;
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
}
