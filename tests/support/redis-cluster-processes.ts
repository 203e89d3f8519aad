import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';
import { type ServiceProcess, startServiceProcess } from './service-process.ts';

/** Where every node of a local Redis Cluster listens. */
export const host = '127.0.0.1';

/**
 * One `redis-server` of a cluster, without persistence, its files in `directory`; resolves once
 * it accepts connections. setpriv's parent-death signal kills it even when this process dies by
 * SIGKILL (a test runner's timeout), which no exit handler survives.
 */
export function startClusterNodeProcess(node: {
  port: number;
  busPort: number;
  directory: string;
  nodeTimeoutMs: number;
}): Promise<ServiceProcess> {
  return startServiceProcess({
    name: `redis-server ${node.port}`,
    command: 'setpriv',
    args: ['--pdeathsig', 'KILL', 'redis-server', ...nodeArguments(node)],
    environment: {},
    readPort: (line) => (line.includes('Ready to accept connections') ? node.port : null),
    startTimeoutMs: 10_000,
  });
}

function nodeArguments(node: {
  port: number;
  busPort: number;
  directory: string;
  nodeTimeoutMs: number;
}): string[] {
  return [
    ...['--port', String(node.port), '--bind', host, '--dir', node.directory],
    // The bus port is chosen too: the default, port + 10000, may be taken or past 65535.
    ...['--cluster-enabled', 'yes', '--cluster-port', String(node.busPort)],
    ...['--cluster-config-file', join(node.directory, 'nodes.conf')],
    ...['--save', '', '--appendonly', 'no'],
    ...['--cluster-node-timeout', String(node.nodeTimeoutMs)],
    // A replica may take over however briefly it has been in sync: tests kill masters early.
    ...['--cluster-replica-validity-factor', '0'],
    // A replica's first sync starts at once instead of after Redis's 5 s default delay.
    ...['--repl-diskless-sync-delay', '0'],
  ];
}

/**
 * `redis-cli --cluster create` over the nodes on `ports`: it assigns the slots, picks which nodes
 * are masters and which replicate them, and returns once the nodes agree on the configuration.
 */
export async function formCluster(ports: readonly number[], replicasPerMaster: number) {
  const addresses = ports.map((port) => `${host}:${port}`);
  const replicas = ['--cluster-replicas', String(replicasPerMaster)];
  try {
    await promisify(execFile)(
      'redis-cli',
      ['--cluster', 'create', ...addresses, ...replicas, '--cluster-yes'],
      { timeout: 30_000 },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`redis-cli --cluster create failed:\n${stdout}${stderr}`, { cause: error });
  }
}

/** `count` ports free a moment ago, no two the same. */
export async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
