import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, settings } from '../src/config.ts';
import { type BenchPlan, type DemoSettings, fullPlan, quickPlan } from './bench-plan.ts';
import type {
  BenchResults,
  DeploymentName,
  MachineDescription,
  PostgresWrites,
  RedisMemoryMeasurement,
} from './bench-results.ts';
import {
  type BenchSystem,
  serviceUrls,
  startBaseline,
  startDistributed,
  startEmbedded,
} from './bench-systems.ts';
import { renderReport } from './benchmark-report.ts';
import { DistributedMeter } from './distributed-meter.ts';
import { measureIdleSubscribers } from './measure-idle-subscribers.ts';
import { measureRedisMemory } from './measure-redis-memory.ts';
import { type PhaseContext, runAccounting, runLevels, runResumes } from './phase-runs.ts';
import { privateCluster, type RedisUnderTest, standaloneRedis } from './redis-under-test.ts';
import { serverPids } from './run-load.ts';

/**
 * `npm run bench [-- --quick | --report-only]`: starts the baseline, the embedded product and the
 * distributed deployment side by side — on a standalone Redis, and on a Redis Cluster of three
 * masters when the registry supports one — drives each with the load generator (its own process)
 * level by level, all back to back, so every ratio compares runs seconds apart; then the same at
 * a real model's pace on fresh servers, Redis memory per turn, and idle subscribers. Writes
 * BENCHMARKS.md (a `--quick` smoke run writes a copy in the temp folder instead) and removes
 * everything it created. `--report-only` renders the last run's saved measurements again.
 *
 * Redis is a private `redis-server` started for the run (exact command counts) unless
 * BENCH_REDIS_URL names one; the cluster is always private. PostgreSQL (BENCH_DATABASE_ADMIN_URL)
 * gets a fresh database and RabbitMQ (BENCH_AMQP_URL) a fresh queue per deployment, both dropped
 * at the end.
 */
async function main(): Promise<void> {
  if (process.argv.includes('--report-only')) {
    const saved = JSON.parse(await readFile(lastResultsFile, 'utf8')) as BenchResults;
    const output = outputFor(saved.plan);
    await writeFile(output, renderReport({ ...saved, startedAt: new Date(saved.startedAt) }));
    progress(`wrote ${output} from ${lastResultsFile}`);
    return;
  }
  const plan = process.argv.includes('--quick') ? quickPlan : fullPlan;
  const output = outputFor(plan);
  const startedAt = new Date();
  const loadAverageBefore = loadavg()[0] ?? 0;
  const clusterSkipped =
    'REDIS_CLUSTER' in settings
      ? undefined
      : 'this revision has no `REDIS_CLUSTER` setting: its registry cannot run on a Redis Cluster';
  let standalone: RedisUnderTest | null = null;
  let cluster: RedisUnderTest | null = null;
  const systems: BenchSystem[] = [];
  const postgresWrites: PostgresWrites[] = [];
  const cleanUp = async () => {
    await Promise.all(systems.splice(0).map((system) => system.stop()));
    await standalone?.stop();
    await cluster?.stop();
  };
  process.once('SIGINT', () => {
    progress('interrupted: cleaning up');
    void cleanUp().finally(() => process.exit(130));
  });
  try {
    standalone = await standaloneRedis(process.env.BENCH_REDIS_URL);
    cluster = clusterSkipped ? null : await privateCluster();
    progress(
      `${plan.name} plan; ${standalone.isPrivate ? 'private' : 'shared'} Redis at ${standalone.url}; ${cluster ? `private Redis Cluster at ${cluster.url}` : `no Redis Cluster: ${clusterSkipped}`}`,
    );
    const redisFor: Record<DeploymentName, RedisUnderTest | null> = {
      distributed: standalone,
      cluster,
    };
    /** Starts every system with `demo` and the context the phases run in. */
    const startSystems = async (demo: DemoSettings, phasePlan: BenchPlan, paced: boolean) => {
      systems.push(await startBaseline(demo));
      systems.push(await startEmbedded(demo));
      const meters: DistributedMeter[] = [];
      for (const [name, redis] of Object.entries(redisFor) as [DeploymentName, RedisUnderTest][]) {
        if (!redis) continue;
        const deployment = await startDistributed(name, demo, redis, (writes) =>
          postgresWrites.push(writes),
        );
        systems.push(deployment);
        meters.push(new DistributedMeter(redis, deployment, demo.tokenDelayMs));
      }
      const context: PhaseContext = {
        plan: phasePlan,
        systems: [...systems],
        meters,
        paced,
        // Private Redis servers serve only their deployment: their CPU is part of the deployment's.
        meterPids: (system: BenchSystem) => ({
          ...serverPids(system),
          ...redisPids(
            system.name === 'distributed' || system.name === 'cluster'
              ? redisFor[system.name]
              : null,
          ),
        }),
        progress,
      };
      return context;
    };
    const stopSystems = () => Promise.all(systems.splice(0).map((system) => system.stop()));

    const context = await startSystems(plan.demo, plan, false);
    const levels = await runLevels(context);
    const resume = await runResumes(context);
    const [standaloneMeter] = context.meters;
    const accountingFailures = standaloneMeter ? await runAccounting(context, standaloneMeter) : 0;
    const machine = await describeMachine(standalone, loadAverageBefore);
    await stopSystems();

    const { tokenDelayMs, memoryTurns } = plan.paced;
    progress(`restarting the systems with ${tokenDelayMs} ms per token`);
    const pacedPlan = {
      ...plan,
      warmupTurns: plan.paced.warmupTurns,
      demo: { ...plan.demo, tokenDelayMs },
      levels: plan.paced.levels,
      rounds: 1,
    };
    const pacedContext = await startSystems(pacedPlan.demo, pacedPlan, true);
    const pacedLevels = await runLevels(pacedContext);
    const redisMemory: RedisMemoryMeasurement[] = [];
    for (const meter of pacedContext.meters) {
      const deployment = meter.deployment as BenchSystem & { name: DeploymentName };
      const redis = redisFor[deployment.name];
      if (!redis) continue;
      const memory = await measureRedisMemory(deployment, redis, memoryTurns, plan.words);
      redisMemory.push(memory);
      progress(
        `Redis memory, ${deployment.name}: ${(memory.activeBytesPerTurn / 1024).toFixed(1)} KB per running turn (${memory.running} running), ${(memory.finishedBytesPerTurn / 1024).toFixed(1)} KB per finished turn, ${memory.failures} failed`,
      );
    }
    await stopSystems();

    progress('idle subscribers');
    const idle = await measureIdleSubscribers(standalone.url, plan.idleSubscriberCounts);
    machine.loadAverageAfter = loadavg()[0] ?? 0;
    // The product's defaults as a distributed deployment resolves them (some depend on REDIS_URL).
    const defaults = loadConfig({ REDIS_URL: standalone.url });
    const results: BenchResults = {
      plan,
      startedAt,
      durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
      machine,
      levels,
      paced: { tokenDelayMs, levels: pacedLevels },
      resume,
      accountingFailures,
      redisPhases: [...context.meters, ...pacedContext.meters].flatMap((meter) => meter.phases),
      privateRedis: standalone.isPrivate,
      idle,
      deploymentRedisConnections: standaloneMeter?.connections ?? {},
      executorFirstChunk: standaloneMeter?.firstChunk ?? {},
      coalesceWindowMs: defaults.coalesceWindowMs,
      finishedTurnTtlMs: defaults.finishedTurnTtlMs,
      redisKeyBuckets: defaults.redisKeyBuckets,
      ...(clusterSkipped ? { clusterSkipped } : {}),
      redisMemory,
      postgresWrites,
    };
    await writeFile(lastResultsFile, JSON.stringify(results));
    await writeFile(output, renderReport(results));
    progress(`wrote ${output} after ${results.durationSeconds.toFixed(0)} s`);
  } finally {
    await cleanUp();
  }
}

/** The CPU meter's names for a deployment's private Redis servers. */
function redisPids(redis: RedisUnderTest | null): Record<string, number> {
  if (!redis) return {};
  const { pids } = redis;
  return Object.fromEntries(
    pids.map((pid, index) => [
      pids.length === 1 ? 'redis-server' : `redis-server ${index + 1}`,
      pid,
    ]),
  );
}

/** BENCHMARKS.md for a full run; a quick smoke run never overwrites it. */
function outputFor(plan: BenchPlan): string {
  return plan.name === 'full'
    ? join(import.meta.dirname, '..', 'BENCHMARKS.md')
    : join(tmpdir(), 'BENCHMARKS.quick.md');
}

/** The measurements of the last run, for `--report-only`. */
const lastResultsFile = join(tmpdir(), 'durable-chat-bench-results.json');

async function describeMachine(
  redis: RedisUnderTest,
  loadAverageBefore: number,
): Promise<MachineDescription> {
  const redisVersion = await redis.version();
  const client = new pg.Client({ connectionString: serviceUrls.databaseAdmin });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return {
      revision: await describeRevision(),
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '?',
      memoryGb: totalmem() / 2 ** 30,
      node: process.version,
      redis: redisVersion,
      postgres: rows[0]?.server_version ?? '?',
      loadAverageBefore,
      loadAverageAfter: 0,
    };
  } finally {
    await client.end();
  }
}

const runStarted = performance.now();

async function describeRevision(): Promise<string> {
  const git = (...args: string[]) =>
    new Promise<string>((resolve) =>
      execFile('git', args, { cwd: import.meta.dirname }, (error, output) =>
        resolve(error ? '' : output.trim()),
      ),
    );
  const commit = await git('rev-parse', '--short', 'HEAD');
  const changed = await git('status', '--porcelain', '--', '../src');
  if (commit === '') return 'unknown revision';
  return changed === '' ? `commit ${commit}` : `commit ${commit} with uncommitted changes in src/`;
}

function progress(line: string): void {
  const seconds = ((performance.now() - runStarted) / 1000).toFixed(0).padStart(3);
  process.stdout.write(`[bench ${seconds} s] ${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
