import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { withBroker } from '../tests/support/rabbitmq-test-support.ts';
import type { DemoSettings } from './bench-plan.ts';
import type { DeploymentName, PostgresWrites, SystemName } from './bench-results.ts';
import type { LoadTarget } from './load-job.ts';
import {
  portFromLogLine,
  type ServiceProcess,
  startServiceProcess,
} from '../tests/support/service-process.ts';
import type { RedisUnderTest } from './redis-under-test.ts';

/** One server (or deployment) under test, reachable on 127.0.0.1. */
export interface BenchSystem {
  name: SystemName;
  target: LoadTarget;
  processes: ServiceProcess[];
  stop(): Promise<void>;
}

export const serviceUrls = {
  databaseAdmin:
    process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  amqp: process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};

const root = join(import.meta.dirname, '..');
/**
 * `TURN_CONCURRENCY` of the durable systems: more executor slots than the largest number of turns
 * any run starts at once (500 paced turns), so turns never wait in the queue for a free slot.
 */
export const turnConcurrency = 512;
/**
 * `DATABASE_POOL_SIZE` of the distributed deployment: its executor waits for a pooled connection at
 * every turn's start and end, and the default of 10 is sized for the default 5 turns at once.
 * 16 cuts that wait; more would not fit: the two distributed deployments run side by side on one
 * PostgreSQL (`max_connections` 100), each with an API, an executor and their file stores.
 */
export const databasePoolSize = 16;

function demoEnvironment(demo: DemoSettings): Record<string, string> {
  return {
    DEMO_TOKEN_DELAY_MS: String(demo.tokenDelayMs),
    DEMO_SLOW_SILENCE_MS: String(demo.slowSilenceMs),
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    // The load generator plays many users from one address: the per-caller limits are off.
    SESSION_CREATE_BURST: '0',
    MAX_STREAMS_PER_CALLER: '0',
    MAX_RUNNING_TURNS_PER_USER: '0',
    MAX_QUEUED_MESSAGES_PER_USER: '0',
  };
}

function nodeProcess(
  name: string,
  script: string,
  environment: Record<string, string>,
  readPort: (line: string) => number | null,
) {
  return startServiceProcess({
    name,
    command: process.execPath,
    args: [join(root, script)],
    environment,
    readPort,
  });
}

export async function startBaseline(demo: DemoSettings): Promise<BenchSystem> {
  const server = await nodeProcess(
    'baseline-server',
    'bench/baseline-server.ts',
    demoEnvironment(demo),
    (line) => (line.startsWith('{"port":') ? (JSON.parse(line) as { port: number }).port : null),
  );
  return {
    name: 'baseline',
    target: { kind: 'baseline', baseUrl: `http://127.0.0.1:${server.port}` },
    processes: [server],
    stop: () => server.stop(),
  };
}

/** `npm start`'s process (API + executor, PGlite, in-memory registry and queue) on a temp DATA_DIR. */
export async function startEmbedded(demo: DemoSettings): Promise<BenchSystem> {
  const dataDirectory = await mkdtemp(join(tmpdir(), 'durable-chat-bench-'));
  const server = await nodeProcess(
    'all-in-one',
    'src/main/all-in-one.ts',
    {
      ...demoEnvironment(demo),
      DATA_DIR: dataDirectory,
      DATABASE_URL: '',
      REDIS_URL: '',
      AMQP_URL: '',
      TURN_CONCURRENCY: String(turnConcurrency),
    },
    portFromLogLine('durable-chat is running'),
  ).catch(async (error: unknown) => {
    await rm(dataDirectory, { recursive: true, force: true });
    throw error;
  });
  return {
    name: 'embedded',
    target: { kind: 'durable', baseUrl: `http://127.0.0.1:${server.port}` },
    processes: [server],
    async stop() {
      await server.stop();
      await rm(dataDirectory, { recursive: true, force: true });
    },
  };
}

/**
 * One API and one executor process on a fresh PostgreSQL database, the given Redis (a cluster:
 * `REDIS_CLUSTER=true`) and the local RabbitMQ, isolated by a random KEY_PREFIX, with the
 * product's defaults otherwise (`COALESCE_WINDOW_MS` included). `stop` hands the rows the database
 * wrote to `recordWrites`, then removes the database, queue, exchange and keys.
 */
export async function startDistributed(
  name: DeploymentName,
  demo: DemoSettings,
  redis: RedisUnderTest,
  recordWrites: (writes: PostgresWrites) => void,
): Promise<BenchSystem & { name: DeploymentName; keyPrefix: string }> {
  const keyPrefix = `bench-${randomUUID().slice(0, 8)}`;
  const databaseName = keyPrefix.replaceAll('-', '_');
  await adminQuery(`CREATE DATABASE ${databaseName}`);
  const databaseUrl = new URL(serviceUrls.databaseAdmin);
  databaseUrl.pathname = `/${databaseName}`;
  const environment = {
    ...demoEnvironment(demo),
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: redis.url,
    ...(redis.kind === 'cluster' ? { REDIS_CLUSTER: 'true' } : {}),
    AMQP_URL: serviceUrls.amqp,
    KEY_PREFIX: keyPrefix,
    EXECUTOR_PORT: '0',
    TURN_CONCURRENCY: String(turnConcurrency),
    DATABASE_POOL_SIZE: String(databasePoolSize),
  };
  const processes: ServiceProcess[] = [];
  const cleanUp = async () => {
    await Promise.all(processes.map((started) => started.stop()));
    // Backends flush their statistics as they exit: with the processes gone, the counts are whole.
    const writes = await readWrites(databaseUrl.toString()).catch(() => null);
    if (writes) recordWrites({ deployment: name, ...writes });
    await removeServiceState(redis, keyPrefix);
    await adminQuery(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
  };
  try {
    processes.push(
      await nodeProcess(
        'executor',
        'src/main/executor.ts',
        environment,
        portFromLogLine('executor is running'),
      ),
    );
    const api = await nodeProcess(
      'api',
      'src/main/api.ts',
      environment,
      portFromLogLine('API is running'),
    );
    processes.push(api);
    return {
      name,
      keyPrefix,
      target: { kind: 'durable', baseUrl: `http://127.0.0.1:${api.port}` },
      processes,
      stop: cleanUp,
    };
  } catch (error) {
    await cleanUp().catch(() => undefined);
    throw error;
  }
}

async function removeServiceState(redis: RedisUnderTest, keyPrefix: string): Promise<void> {
  await redis.deleteKeys(keyPrefix);
  await withBroker(async (channel) => {
    await channel.queueDelete({ queue: `${keyPrefix}.turns` });
    await channel.exchangeDelete({ exchange: `${keyPrefix}.cancels` });
  }, serviceUrls.amqp);
}

async function readWrites(databaseUrl: string): Promise<Omit<PostgresWrites, 'deployment'>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const count = async (table: string) =>
      Number(
        (await client.query<{ count: string }>(`SELECT count(*) FROM ${table}`)).rows[0]?.count,
      );
    const { rows } = await client.query<{ relname: string; written: string }>(
      'SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS written FROM pg_stat_user_tables',
    );
    const { rows: commits } = await client.query<{ xact_commit: string }>(
      'SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()',
    );
    return {
      turns: await count('turns'),
      sessions: await count('sessions'),
      rowsWrittenByTable: Object.fromEntries(
        rows
          .filter((row) => Number(row.written) > 0)
          .map((row) => [row.relname, Number(row.written)]),
      ),
      commits: Number(commits[0]?.xact_commit),
    };
  } finally {
    await client.end();
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serviceUrls.databaseAdmin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
