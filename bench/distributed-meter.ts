import type { DeploymentName, RedisPhase } from './bench-results.ts';
import type { BenchSystem } from './bench-systems.ts';
import { connectionOwners } from './process-usage.ts';
import { addCounts, type CommandCounts, subtractCounts } from './redis-command-stats.ts';
import { RedisCommandCounter } from './redis-command-counter.ts';
import type { RedisUnderTest } from './redis-under-test.ts';

/**
 * A Prometheus histogram: [upper bound in seconds, observations ≤ bound], ascending; the `+Inf`
 * bucket's bound is `unboundedBucket` (JSON has no infinity).
 */
export type HistogramCounts = [number, number][];
const unboundedBucket = Number.MAX_SAFE_INTEGER;

/** The bucket range that holds the q-quantile, e.g. "0.5–1 s"; "—" when empty. */
export function quantileBucket(counts: HistogramCounts, q: number): string {
  const total = counts.at(-1)?.[1] ?? 0;
  if (total === 0) return '—';
  const index = counts.findIndex(([, count]) => count >= q * total);
  const lower = index > 0 ? (counts[index - 1]?.[0] ?? 0) : 0;
  const upper = counts[index]?.[0] ?? unboundedBucket;
  const show = (seconds: number) =>
    seconds === unboundedBucket ? '∞' : seconds < 1 ? `${seconds * 1000} ms` : `${seconds} s`;
  return `${show(lower)}–${show(upper)}`;
}

/** What a measured run is, for the phase its Redis commands are added to. */
export interface PhaseLabel {
  label: string;
  counted: boolean;
  concurrency?: number;
}

/**
 * What one distributed deployment does to its Redis (standalone or cluster). Around each of its
 * measured runs: `INFO commandstats` summed over the masters (every command, those inside Lua
 * scripts included) and the TCP connections each of its processes holds. Around accounting runs
 * (`account`, standalone only), also MONITOR, which tells the commands each process sends from
 * those scripts run inside Redis — too costly to leave on while latency is measured.
 */
export class DistributedMeter {
  readonly phases: RedisPhase[] = [];
  /** Most connections to Redis seen per process name. */
  readonly connections: Record<string, number> = {};
  /**
   * Per label: the executor's own `durable_chat_time_to_first_chunk_seconds` histogram (enqueue
   * → first chunk out of the model) over those runs, as cumulative counts per upper bound.
   */
  readonly firstChunk: Record<string, HistogramCounts> = {};
  readonly #redis: RedisUnderTest;
  readonly #deployment: BenchSystem & { name: DeploymentName };
  readonly #tokenDelayMs: number;

  constructor(
    redis: RedisUnderTest,
    deployment: BenchSystem & { name: DeploymentName },
    tokenDelayMs: number,
  ) {
    this.#redis = redis;
    this.#deployment = deployment;
    this.#tokenDelayMs = tokenDelayMs;
  }

  get deployment(): BenchSystem {
    return this.#deployment;
  }

  /** Runs `work`; when `system` is the deployment, adds its commands and words to the phase. */
  async measure<T extends { wordsStreamed: number }>(
    system: BenchSystem,
    phase: PhaseLabel,
    work: () => Promise<T>,
  ): Promise<T> {
    if (system !== this.#deployment) return work();
    const { label } = phase;
    const before = await this.#redis.commandCounts();
    const histogramBefore = await this.#readFirstChunkHistogram();
    const result = await work();
    const counts = subtractCounts(await this.#redis.commandCounts(), before);
    const histogram = await this.#readFirstChunkHistogram();
    const previous = this.firstChunk[label] ?? [];
    this.firstChunk[label] = histogram.map(([bound, count], index) => [
      bound,
      count - (histogramBefore[index]?.[1] ?? 0) + (previous[index]?.[1] ?? 0),
    ]);
    await this.#countConnections();
    this.#record({ ...phase, words: result.wordsStreamed }, counts);
    return result;
  }

  /** Runs `work` on the deployment with MONITOR on, recording who sent how many commands. */
  async account<T extends { wordsStreamed: number }>(
    phase: Omit<PhaseLabel, 'counted'>,
    work: () => Promise<T>,
  ): Promise<T> {
    const port = this.#redis.ports[0] ?? 0;
    const counter = await RedisCommandCounter.start(port);
    try {
      const before = await this.#redis.commandCounts();
      counter.take();
      const result = await work();
      const counts = subtractCounts(await this.#redis.commandCounts(), before);
      // MONITOR lines trail the commands slightly; the deployment is idle once `work` is done.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const tally = counter.take();
      const owners = await connectionOwners(port);
      const sent: Record<string, number> = {};
      for (const [address, calls] of tally.byClient) {
        const name = this.#processName(owners.get(address)) ?? 'other (the benchmark itself)';
        sent[name] = (sent[name] ?? 0) + calls;
      }
      const accounted = { ...phase, words: result.wordsStreamed, counted: true, accounting: true };
      this.#record({ ...accounted, sent, insideScripts: tally.insideScripts }, counts);
      return result;
    } finally {
      counter.stop();
    }
  }

  #record(
    phase: Omit<RedisPhase, 'commands' | 'deployment' | 'tokenDelayMs'>,
    counts: CommandCounts,
  ): void {
    const existing = this.phases.find((candidate) => candidate.label === phase.label);
    if (!existing) {
      this.phases.push({
        deployment: this.#deployment.name,
        tokenDelayMs: this.#tokenDelayMs,
        ...phase,
        commands: Object.fromEntries(counts),
      });
      return;
    }
    const merged = new Map(Object.entries(existing.commands));
    addCounts(merged, counts);
    existing.commands = Object.fromEntries(merged);
    existing.words += phase.words;
  }

  async #readFirstChunkHistogram(): Promise<HistogramCounts> {
    const executor = this.#deployment.processes.find((service) => service.name === 'executor');
    if (!executor) return [];
    const text = await (await fetch(`http://127.0.0.1:${executor.port}/metrics`)).text();
    const counts: HistogramCounts = [];
    for (const match of text.matchAll(
      /^durable_chat_time_to_first_chunk_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm,
    )) {
      counts.push([match[1] === '+Inf' ? unboundedBucket : Number(match[1]), Number(match[2])]);
    }
    return counts;
  }

  #processName(pid: number | undefined): string | undefined {
    return this.#deployment.processes.find((service) => service.child.pid === pid)?.name;
  }

  async #countConnections(): Promise<void> {
    const perPid = new Map<number, number>();
    for (const port of this.#redis.ports) {
      for (const pid of (await connectionOwners(port)).values()) {
        perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
      }
    }
    for (const service of this.#deployment.processes) {
      const seen = perPid.get(service.child.pid ?? 0) ?? 0;
      this.connections[service.name] = Math.max(this.connections[service.name] ?? 0, seen);
    }
  }
}
