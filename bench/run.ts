import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type BenchPlan, fullPlan, quickPlan } from './bench-plan.ts';
import type { BenchResults, MachineDescription } from './bench-results.ts';
import {
  type BenchSystem,
  type DemoSettings,
  serviceUrls,
  startBaseline,
  startDistributed,
  startEmbedded,
} from './bench-systems.ts';
import { renderReport } from './benchmark-report.ts';
import { DistributedMeter } from './distributed-meter.ts';
import { measureIdleSubscribers } from './measure-idle-subscribers.ts';
import { type PhaseContext, runAccounting, runLevels, runResumes } from './phase-runs.ts';
import { type PrivateRedis, startPrivateRedis } from './private-redis.ts';
import { serverPids } from './run-load.ts';

/**
 * `npm run bench [-- --quick | --report-only]`: starts the baseline, the embedded product and a
 * distributed deployment side by side, drives each with the load generator (its own process)
 * level by level — the three back to back, so every ratio compares runs seconds apart — then
 * measures idle subscribers, writes BENCHMARKS.md (a `--quick` smoke run writes a copy in the
 * temp folder instead) and removes everything it created.
 * `--report-only` renders the last run's saved measurements again.
 *
 * Redis is a private `redis-server` started for the run (exact command counts) unless
 * BENCH_REDIS_URL names one; PostgreSQL (BENCH_DATABASE_ADMIN_URL) gets a fresh database and
 * RabbitMQ (BENCH_AMQP_URL) a fresh queue, both dropped at the end.
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
  const sharedRedisUrl = process.env.BENCH_REDIS_URL;
  let privateRedis: PrivateRedis | null = null;
  let admin: Redis | null = null;
  const systems: BenchSystem[] = [];
  const cleanUp = async () => {
    await Promise.all(systems.splice(0).map((system) => system.stop()));
    admin?.disconnect();
    await privateRedis?.stop();
  };
  process.once('SIGINT', () => {
    progress('interrupted: cleaning up');
    void cleanUp().finally(() => process.exit(130));
  });
  try {
    privateRedis = sharedRedisUrl ? null : await startPrivateRedis();
    const redisUrl = sharedRedisUrl ?? privateRedis?.url ?? '';
    const redis = new Redis(redisUrl);
    admin = redis;
    progress(`${plan.name} plan; ${privateRedis ? 'private' : 'shared'} Redis at ${redisUrl}`);
    const redisPid = privateRedis?.process.child.pid;
    /** Starts the three systems with `demo` and the context the phases run in. */
    const startSystems = async (demo: DemoSettings, phasePlan: BenchPlan) => {
      systems.push(await startBaseline(demo));
      systems.push(await startEmbedded(demo));
      const distributed = await startDistributed(demo, redisUrl);
      systems.push(distributed);
      const context: PhaseContext = {
        plan: phasePlan,
        systems: [...systems],
        meter: new DistributedMeter(redis, Number(new URL(redisUrl).port || 6379), distributed),
        // A private Redis serves only the deployment: its CPU is part of the deployment's.
        meterPids: (system: BenchSystem) => ({
          ...serverPids(system),
          ...(system === distributed && redisPid !== undefined ? { 'redis-server': redisPid } : {}),
        }),
        progress,
      };
      return { context, distributed };
    };
    const stopSystems = () => Promise.all(systems.splice(0).map((system) => system.stop()));

    const { context, distributed } = await startSystems(plan.demo, plan);
    const levels = await runLevels(context);
    const resume = await runResumes(context);
    const accountingFailures = await runAccounting(context, distributed);
    const machine = await describeMachine(redis, loadAverageBefore);
    await stopSystems();
    const redisPhases = context.meter.phases;
    let paced: BenchResults['paced'];
    if (plan.paced) {
      const { tokenDelayMs, level } = plan.paced;
      progress(`restarting the systems with ${tokenDelayMs} ms per token`);
      const pacedPlan = { ...plan, levels: [level], rounds: 1 };
      const started = await startSystems({ ...plan.demo, tokenDelayMs }, pacedPlan);
      const [results] = await runLevels(started.context);
      await stopSystems();
      if (results) paced = { tokenDelayMs, results };
      for (const phase of started.context.meter.phases) {
        redisPhases.push({
          ...phase,
          label: `${phase.label}, ${tokenDelayMs} ms per token`,
          counted: false,
        });
      }
    }
    progress('idle subscribers');
    const idle = await measureIdleSubscribers(redisUrl, plan.idleSubscriberCounts);
    machine.loadAverageAfter = loadavg()[0] ?? 0;
    const results: BenchResults = {
      plan,
      startedAt,
      durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
      machine,
      levels,
      paced,
      resume,
      accountingFailures,
      redisPhases,
      privateRedis: privateRedis !== null,
      idle,
      deploymentRedisConnections: context.meter.connections,
      executorFirstChunk: context.meter.firstChunk,
    };
    await writeFile(lastResultsFile, JSON.stringify(results));
    await writeFile(output, renderReport(results));
    progress(`wrote ${output} after ${results.durationSeconds.toFixed(0)} s`);
  } finally {
    await cleanUp();
  }
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
  admin: Redis,
  loadAverageBefore: number,
): Promise<MachineDescription> {
  const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
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
