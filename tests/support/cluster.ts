import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { withBroker } from './rabbitmq-test-support.ts';
import { type RedisCluster, type RedisClusterOptions, startRedisCluster } from './redis-cluster.ts';
import { deleteKeys } from './redis-test-support.ts';
import { spawnNodeScript } from './spawn-node-script.ts';
import { TestDatabase } from './test-database.ts';
import { unlimitedCallers } from './unlimited-callers.ts';

const mainFolder = join(import.meta.dirname, '../../src/main');

/**
 * The real Redis and RabbitMQ. A test may point the processes elsewhere (a fault proxy in
 * `environment`); the cleanup always goes here, so it works whatever state the proxy is in.
 */
export const clusterServiceUrls = {
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  amqp: process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
};

export interface ClusterProcess {
  role: 'api' | 'executor';
  child: ChildProcess;
  /** The API's port, or the executor's health port. */
  port: number;
  url: string;
  /** Everything the process printed (pino JSON lines). */
  output: () => string;
}

export interface Cluster {
  apis: ClusterProcess[];
  executors: ClusterProcess[];
  environment: Record<string, string>;
  databaseUrl: string;
  keyPrefix: string;
  /** The deployment's own Redis Cluster when `redisCluster` was asked for, else null. */
  redisCluster: RedisCluster | null;
  /** Starts one more executor with the cluster's settings (e.g. after killing one). */
  addExecutor(overrides?: Record<string, string>): Promise<ClusterProcess>;
  /** Starts one more API process with the cluster's settings (e.g. after killing one). */
  addApi(overrides?: Record<string, string>): Promise<ClusterProcess>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  apis?: number;
  executors?: number;
  environment?: Record<string, string>;
  /**
   * Runs the deployment on a Redis Cluster of its own, started with these options and stopped by
   * `close` (`REDIS_URL` = a seed node, `REDIS_CLUSTER=true`); by default, the shared standalone
   * Redis.
   */
  redisCluster?: RedisClusterOptions;
}

/**
 * The Redis deployments the key scale-out tests run on: the shared standalone Redis, and a
 * 3-master Redis Cluster of the test file's own. Its node timeout is Redis's default, so a node
 * starved of CPU on a loaded machine is not marked failing (there is no replica to take over).
 */
export const redisDeployments: { name: string; options: Pick<ClusterOptions, 'redisCluster'> }[] = [
  { name: 'standalone Redis', options: {} },
  {
    name: 'a 3-master Redis Cluster',
    options: { redisCluster: { masters: 3, nodeTimeoutMs: 15_000 } },
  },
];

/**
 * Real API and executor processes (`src/main/api.ts`, `src/main/executor.ts`) on the local
 * PostgreSQL, Redis and RabbitMQ, isolated by a fresh database and a random key prefix (Redis
 * keys, RabbitMQ queue and exchange names), torn down by `close`.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const keyPrefix = `dc-test-${randomUUID().slice(0, 8)}`;
  const redisCluster = options.redisCluster ? await startRedisCluster(options.redisCluster) : null;
  const database = new TestDatabase();
  await database.create().catch(async (error: unknown) => {
    await redisCluster?.stop();
    throw error;
  });
  const databaseUrl = database.url;
  const environment: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisCluster?.seedUrl ?? clusterServiceUrls.redis,
    ...(redisCluster ? { REDIS_CLUSTER: 'true' } : {}),
    AMQP_URL: clusterServiceUrls.amqp,
    KEY_PREFIX: keyPrefix,
    ...operationCompletionNames(keyPrefix),
    HOST: '127.0.0.1',
    PORT: '0',
    EXECUTOR_PORT: '0',
    LOG_LEVEL: 'info',
    DEMO_TOKEN_DELAY_MS: '3',
    DEMO_ANSWER_WORDS: '40',
    COALESCE_WINDOW_MS: '10',
    LEASE_TTL_MS: '1500',
    SWEEP_INTERVAL_MS: '300',
    SHUTDOWN_DEADLINE_MS: '2000',
    ...unlimitedCallers,
    ...options.environment,
  };
  const processes: ClusterProcess[] = [];
  const start = async (role: 'api' | 'executor', overrides: Record<string, string> = {}) => {
    const started = await startProcess(role, { ...environment, ...overrides });
    processes.push(started);
    return started;
  };
  try {
    const executors = await Promise.all(
      Array.from({ length: options.executors ?? 2 }, () => start('executor')),
    );
    const apis = await Promise.all(Array.from({ length: options.apis ?? 2 }, () => start('api')));
    return {
      apis,
      executors,
      environment,
      databaseUrl,
      keyPrefix,
      redisCluster,
      addExecutor: (overrides) => start('executor', overrides),
      addApi: (overrides) => start('api', overrides),
      async close() {
        await Promise.all(processes.map(stopProcess));
        await removeServiceState(keyPrefix, redisCluster === null);
        await redisCluster?.stop();
        await database.drop();
      },
    };
  } catch (error) {
    await Promise.all(processes.map(stopProcess));
    await removeServiceState(keyPrefix, redisCluster === null).catch(() => undefined);
    await redisCluster?.stop();
    await database.drop();
    throw error;
  }
}

async function startProcess(
  role: 'api' | 'executor',
  environment: Record<string, string>,
): Promise<ClusterProcess> {
  const { child, output } = spawnNodeScript(join(mainFolder, `${role}.ts`), environment);
  const running = role === 'api' ? 'API is running' : 'executor is running';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${role} did not start:\n${output()}`)),
      30_000,
    );
    const check = () => {
      for (const line of output().split('\n')) {
        if (!line.includes(running)) continue;
        const parsed = JSON.parse(line) as { port: number };
        clearTimeout(timer);
        resolve(parsed.port);
        return;
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited with ${code}:\n${output()}`));
    });
  });
  return { role, child, port, url: `http://127.0.0.1:${port}`, output };
}

/** SIGTERM, then SIGKILL if the process has not gone within a few seconds. */
export async function stopProcess(process: ClusterProcess): Promise<void> {
  const { child } = process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
  await exited;
  clearTimeout(timer);
}

export async function killProcess(process: ClusterProcess): Promise<void> {
  const { child } = process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/**
 * Where the cluster's services publish operation completions: names of its own, not the seed's
 * shared defaults, so no other cluster's API consumes (and drops) its completions.
 */
export function operationCompletionNames(keyPrefix: string) {
  return {
    OPERATION_COMPLETION_EXCHANGE: `${keyPrefix}.operations`,
    OPERATION_COMPLETION_QUEUE: `${keyPrefix}.operation-completions`,
  };
}

/**
 * Deletes the cluster's RabbitMQ queues and exchanges, and its keys on the shared Redis when it
 * used that one (a Redis Cluster of its own goes with all its keys).
 */
async function removeServiceState(keyPrefix: string, onSharedRedis: boolean) {
  if (onSharedRedis) {
    const redis = new Redis(clusterServiceUrls.redis, { lazyConnect: true });
    await redis.connect();
    try {
      await deleteKeys(redis, keyPrefix);
    } finally {
      redis.disconnect();
    }
  }
  await withBroker(async (channel) => {
    await channel.queueDelete({ queue: `${keyPrefix}.turns` });
    await channel.exchangeDelete({ exchange: `${keyPrefix}.cancels` });
    const names = operationCompletionNames(keyPrefix);
    await channel.queueDelete({ queue: names.OPERATION_COMPLETION_QUEUE });
    await channel.exchangeDelete({ exchange: names.OPERATION_COMPLETION_EXCHANGE });
  }, clusterServiceUrls.amqp);
}
