import type { BenchPlan, ConcurrencyLevel } from './bench-plan.ts';
import type {
  BenchResults,
  LevelMeasurement,
  LevelResults,
  PerSystem,
  ResumeMeasurement,
  SystemName,
} from './bench-results.ts';
import type { BenchSystem } from './bench-systems.ts';
import type { DistributedMeter, PhaseLabel } from './distributed-meter.ts';
import type { ResumeResult, TurnsJob, TurnsResult } from './load-job.ts';
import { runLoad } from './run-load.ts';
import { percentiles } from './statistics.ts';

export interface PhaseContext {
  plan: BenchPlan;
  /** Baseline, embedded, distributed (and cluster) — the order of the first round. */
  systems: BenchSystem[];
  /** One per distributed deployment. */
  meters: DistributedMeter[];
  /** The model runs at a real model's pace (`plan.demo.tokenDelayMs`), not the 1 ms one. */
  paced: boolean;
  /** Processes whose CPU is metered while a system is under load. */
  meterPids: (system: BenchSystem) => Record<string, number>;
  progress: (line: string) => void;
}

/** Runs `work`, counting its Redis commands when `system` is a metered deployment. */
function measure<T extends { wordsStreamed: number }>(
  context: PhaseContext,
  system: BenchSystem,
  phase: PhaseLabel,
  work: () => Promise<T>,
): Promise<T> {
  const meter = context.meters.find((candidate) => candidate.deployment === system);
  return meter ? meter.measure(system, phase, work) : work();
}

/** Every concurrency level of the plan, each system in turn, `plan.rounds` interleaved rounds. */
export async function runLevels(context: PhaseContext): Promise<LevelResults[]> {
  const { plan, systems, progress } = context;
  const levels: LevelResults[] = [];
  for (const level of plan.levels) {
    const pace = context.paced ? `, ${plan.demo.tokenDelayMs} ms per token` : '';
    const label = `${level.concurrency} concurrent${pace}`;
    const phase = { label, counted: !context.paced, concurrency: level.concurrency };
    const rounds = new Map<SystemName, TurnsResult[]>();
    for (let round = 0; round < plan.rounds; round += 1) {
      const order = round % 2 === 0 ? systems : [...systems].reverse();
      for (const system of order) {
        const result = await measure(context, system, phase, async () => {
          const job = turnsJob(plan, level, system, context.meterPids(system));
          return (await runLoad<TurnsResult>(system, job)).result;
        });
        rounds.set(system.name, [...(rounds.get(system.name) ?? []), result]);
        progress(describeLevel(`${label}, round ${round + 1}`, system.name, pool([result])));
      }
    }
    const pooled = Object.fromEntries(
      [...rounds].map(([name, results]) => [name, pool(results)]),
    ) as PerSystem<LevelMeasurement>;
    levels.push({ level, systems: pooled });
  }
  return levels;
}

/**
 * The plan's accounting runs: each level once more on the distributed deployment, MONITOR on.
 * Returns how many of their turns failed.
 */
export async function runAccounting(
  context: PhaseContext,
  meter: DistributedMeter,
): Promise<number> {
  const { plan, progress } = context;
  const deployment = meter.deployment;
  const { accounting } = plan;
  let failures = 0;
  for (const level of plan.levels) {
    const shortened: ConcurrencyLevel =
      level.turns === undefined
        ? { ...level, durationMs: accounting.durationMs, warmupMs: accounting.warmupMs }
        : { ...level, turns: accounting.turns };
    const label = `${level.concurrency} concurrent, MONITOR on`;
    const result = await meter.account({ label, concurrency: level.concurrency }, async () => {
      const job = turnsJob(plan, shortened, deployment, context.meterPids(deployment));
      return (await runLoad<TurnsResult>(deployment, job)).result;
    });
    progress(`${label}: ${result.wordsStreamed} tokens streamed, ${result.failures} failed`);
    failures += result.failures;
  }
  return failures;
}

/** The resume probe on each durable system. */
export async function runResumes(context: PhaseContext): Promise<BenchResults['resume']> {
  const { plan, progress } = context;
  const resume: Partial<Record<SystemName, ResumeMeasurement>> = {};
  const phase = { label: 'resume (1 turn, replays)', counted: false };
  for (const system of context.systems) {
    if (system.name === 'baseline') continue;
    const result = await measure(context, system, phase, async () => {
      const job = {
        type: 'resume',
        target: system.target,
        halfWords: plan.resume.halfWords,
        samples: plan.resume.samples,
        silenceMs: plan.demo.slowSilenceMs,
        timeLimitMs: 120_000,
      } as const;
      return (await runLoad<ResumeResult>(system, job)).result;
    });
    const measured: ResumeMeasurement = {
      firstByte: percentiles(result.firstByteMs),
      catchUp: percentiles(result.catchUpMs),
      positions: result.positions,
      complete: result.complete,
    };
    resume[system.name] = measured;
    progress(
      `resume, ${system.name}: first byte p50 ${measured.firstByte.p50.toFixed(2)} ms, ${measured.firstByte.count} resumes at ${result.positions} positions, complete: ${result.complete}`,
    );
  }
  return resume as BenchResults['resume'];
}

function turnsJob(
  plan: BenchPlan,
  level: ConcurrencyLevel,
  system: BenchSystem,
  meterPids: Record<string, number>,
): TurnsJob {
  const windowMs = (level.warmupMs ?? 0) + (level.durationMs ?? 0);
  return {
    type: 'turns',
    target: system.target,
    concurrency: level.concurrency,
    words: plan.words,
    warmupTurns: plan.warmupTurns,
    ...(level.turns === undefined
      ? { durationMs: level.durationMs ?? 0, warmupMs: level.warmupMs ?? 0 }
      : { turns: level.turns }),
    shortestTurnMs: plan.words * plan.demo.tokenDelayMs,
    meterPids,
    timeLimitMs: windowMs + 180_000,
  };
}

/** One measurement from the rounds of a level: percentiles over all their turns, rates averaged. */
function pool(results: TurnsResult[]): LevelMeasurement {
  const average = (pick: (result: TurnsResult) => number) =>
    results.reduce((sum, result) => sum + pick(result), 0) / results.length;
  const cpu: Record<string, number> = {};
  for (const name of Object.keys(results[0]?.windowCpu ?? {})) {
    cpu[name] = average((result) => result.windowCpu[name] ?? 0);
  }
  const mainThreadCpu: Record<string, number> = {};
  for (const name of Object.keys(results[0]?.windowMainThreadCpu ?? {})) {
    mainThreadCpu[name] = average((result) => result.windowMainThreadCpu[name] ?? 0);
  }
  return {
    headers: percentiles(results.flatMap((result) => result.headersMs)),
    firstByte: percentiles(results.flatMap((result) => result.firstByteMs)),
    total: percentiles(results.flatMap((result) => result.totalMs)),
    wordsPerSecond: average((result) => result.wordsPerSecond),
    eventsPerSecond: average((result) => result.eventsPerSecond),
    failures: results.reduce((sum, result) => sum + result.failures, 0),
    failureSamples: results.flatMap((result) => result.failureSamples).slice(0, 5),
    sessionsCreatedUnderLoad: results.reduce(
      (sum, result) => sum + result.sessionsCreatedUnderLoad,
      0,
    ),
    cpu,
    mainThreadCpu,
  };
}

function describeLevel(label: string, system: SystemName, measured: LevelMeasurement): string {
  const cpu = Object.entries(measured.cpu)
    .map(([name, share]) => `${name} ${(share * 100).toFixed(0)}%`)
    .join(', ');
  return `${label}, ${system}: ${measured.total.count} turns, turn p50 ${measured.total.p50.toFixed(1)} ms p99 ${measured.total.p99.toFixed(1)} ms, headers p50 ${measured.headers.p50.toFixed(1)} ms, first byte p50 ${measured.firstByte.p50.toFixed(1)} ms, ${measured.wordsPerSecond.toFixed(0)} tokens/s, ${measured.failures} failed, ${measured.sessionsCreatedUnderLoad ?? 0} sessions created under load; CPU ${cpu}`;
}
