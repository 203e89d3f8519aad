import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../tests/support/free-port.ts';
import { addCounts, type CommandCounts, readCommandCounts } from './redis-command-stats.ts';
import { type ServiceProcess, startServiceProcess } from '../tests/support/service-process.ts';

const run = promisify(execFile);

/**
 * Stand-in for the `cluster-infra` branch's `bench/private-redis-cluster.ts` (the part of its
 * interface the bench uses) until it lands on main: three throw-away masters with
 * `--cluster-enabled yes`, joined by `redis-cli --cluster create`, INFO figures summed over them.
 */
export interface PrivateRedisCluster {
  /** One master's URL: the seed node a cluster client starts from. */
  url: string;
  cluster: { nodes: { host: string; port: number; role: 'master' | 'replica'; pid: number }[] };
  pids: number[];
  readCommandCounts(): Promise<CommandCounts>;
  readUsedMemory(): Promise<number>;
  stop(): Promise<void>;
}

export async function startPrivateRedisCluster(): Promise<PrivateRedisCluster> {
  const directory = await mkdtemp(join(tmpdir(), 'durable-chat-bench-cluster-'));
  const processes: ServiceProcess[] = [];
  const admins: Redis[] = [];
  const stop = async () => {
    for (const admin of admins) admin.disconnect();
    await Promise.all(processes.map((started) => started.stop()));
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      const port = await freePort();
      ports.push(port);
      processes.push(
        await startServiceProcess({
          name: 'redis-server',
          command: 'redis-server',
          args: [
            ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
            ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`],
            ...['--dir', directory],
          ],
          environment: {},
          readPort: (line) => (line.includes('Ready to accept connections') ? port : null),
        }),
      );
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-yes',
    ]);
    admins.push(...ports.map((port) => new Redis(port, '127.0.0.1')));
    await waitUntilClusterOk(admins);
    const pids = processes.map((started) => started.child.pid ?? 0);
    return {
      url: `redis://127.0.0.1:${ports[0]}`,
      cluster: {
        nodes: ports.map((port, index) => ({
          host: '127.0.0.1',
          port,
          role: 'master' as const,
          pid: pids[index] ?? 0,
        })),
      },
      pids,
      async readCommandCounts() {
        const total: CommandCounts = new Map();
        for (const admin of admins) addCounts(total, await readCommandCounts(admin));
        return total;
      },
      async readUsedMemory() {
        let total = 0;
        for (const admin of admins) {
          total += Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1] ?? 0);
        }
        return total;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntilClusterOk(admins: Redis[]): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const states = await Promise.all(admins.map((admin) => admin.cluster('INFO')));
    if (states.every((state) => String(state).includes('cluster_state:ok'))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the private Redis Cluster did not reach cluster_state:ok');
}
