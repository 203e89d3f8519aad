/** The demo model every system runs: identical settings, so only the machinery differs. */
export interface DemoSettings {
  tokenDelayMs: number;
  slowSilenceMs: number;
}

/** One latency/throughput level: how many turns run at once, and how long it is measured. */
export interface ConcurrencyLevel {
  concurrency: number;
  /** A fixed number of measured turns per round (used at concurrency 1)… */
  turns?: number;
  /** …or a measuring window per round, after `warmupMs` of load. */
  durationMs?: number;
  warmupMs?: number;
}

/** Everything a run does; `--quick` shrinks counts and windows, never the shape of a turn. */
export interface BenchPlan {
  name: 'full' | 'quick';
  demo: DemoSettings;
  /** Words per turn of the latency and throughput runs. */
  words: number;
  warmupTurns: number;
  levels: ConcurrencyLevel[];
  /**
   * Each level runs this many times per system, interleaved (baseline, embedded, distributed,
   * then the reverse order): a burst of other work on the box hits every system alike, and the
   * figures pool the turns of all rounds.
   */
  rounds: number;
  /** The level whose throughput is the "at saturation" figure. */
  saturationConcurrency: number;
  /**
   * Levels again on fresh servers whose model streams at `tokenDelayMs` (a real model's pace):
   * per-turn overhead without queueing, Redis commands per token when one turn's tokens come
   * further apart than the coalescing window, CPU per token for the capacity plan; then Redis
   * memory per turn with `memoryTurns` turns started at once on each distributed deployment.
   */
  paced: {
    tokenDelayMs: number;
    levels: ConcurrencyLevel[];
    /**
     * Untimed turns before each paced run: at this pace a turn lasts seconds, and the load
     * generator runs four at a time, so four warm the servers up without costing a minute.
     */
    warmupTurns: number;
    memoryTurns: number;
  };
  resume: { halfWords: number; samples: number };
  /**
   * Short distributed-only runs at each level with Redis MONITOR on, to tell the commands the
   * processes send from those Lua scripts run: `turns` at concurrency 1, windows otherwise.
   */
  accounting: { turns: number; durationMs: number; warmupMs: number };
  idleSubscriberCounts: number[];
}

const demo = (slowSilenceMs: number): DemoSettings => ({ tokenDelayMs: 1, slowSilenceMs });

export const fullPlan: BenchPlan = {
  name: 'full',
  demo: demo(3_000),
  words: 100,
  warmupTurns: 20,
  levels: [
    { concurrency: 1, turns: 50 },
    { concurrency: 50, durationMs: 10_000, warmupMs: 3_000 },
    { concurrency: 200, durationMs: 12_000, warmupMs: 3_000 },
  ],
  rounds: 2,
  saturationConcurrency: 200,
  paced: {
    tokenDelayMs: 30,
    levels: [
      { concurrency: 50, durationMs: 10_000, warmupMs: 4_000 },
      { concurrency: 500, durationMs: 10_000, warmupMs: 5_000 },
    ],
    warmupTurns: 4,
    memoryTurns: 500,
  },
  resume: { halfWords: 1_000, samples: 100 },
  accounting: { turns: 20, durationMs: 4_000, warmupMs: 1_000 },
  idleSubscriberCounts: [1_000, 10_000],
};

export const quickPlan: BenchPlan = {
  name: 'quick',
  demo: demo(1_500),
  words: 100,
  warmupTurns: 4,
  levels: [
    { concurrency: 1, turns: 10 },
    { concurrency: 50, durationMs: 3_000, warmupMs: 1_000 },
    { concurrency: 200, durationMs: 2_000, warmupMs: 1_000 },
  ],
  rounds: 1,
  saturationConcurrency: 200,
  paced: {
    tokenDelayMs: 30,
    levels: [
      { concurrency: 50, durationMs: 1_000, warmupMs: 2_000 },
      { concurrency: 100, durationMs: 1_000, warmupMs: 2_000 },
    ],
    warmupTurns: 4,
    memoryTurns: 100,
  },
  resume: { halfWords: 1_000, samples: 20 },
  accounting: { turns: 5, durationMs: 1_000, warmupMs: 500 },
  idleSubscriberCounts: [1_000, 10_000],
};
