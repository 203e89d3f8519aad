import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import {
  distinctFreePorts,
  formCluster,
  host,
  startClusterNodeProcess,
} from './redis-cluster-processes.ts';
import {
  type ClusterNodeView,
  masterPortOfSlot,
  parseClusterInfo,
  parseClusterNodes,
  servesEverySlot,
  slotCount,
} from './redis-cluster-topology.ts';
import { keySlot } from './redis-test-support.ts';
import type { ServiceProcess } from './service-process.ts';
import { waitFor } from './wait-for.ts';

export interface RedisClusterOptions {
  /** At least 3 (what `redis-cli --cluster create` accepts); defaults to 3. */
  masters?: number;
  /** Defaults to 0. */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`: how long a silent master takes to be marked failing, which a replica's
   * promotion waits for. Defaults to 1 000 ms, so failover tests end quickly.
   */
  nodeTimeoutMs?: number;
}

export interface RedisClusterNode {
  host: string;
  port: number;
  role: 'master' | 'replica';
  /** The redis-server process, for CPU accounting. */
  pid: number;
}

export interface RedisCluster {
  /**
   * `redis://` of one node, for `REDIS_URL` with `REDIS_CLUSTER=true`. A replica when there are
   * replicas, so that killing a master (what failover tests do) leaves the seed reachable.
   */
  seedUrl: string;
  /** The nodes still running, with their current roles (a promoted replica is a master). */
  readonly nodes: readonly RedisClusterNode[];
  /** The master that serves a slot, or the slot of a key (its hash tag), as the cluster says now. */
  masterOf(slotOrKey: number | string): Promise<RedisClusterNode>;
  /** SIGKILLs a node and waits until its process is gone. */
  killNode(port: number): Promise<void>;
  /**
   * Waits (bounded: `timeoutMs`, by default ten node timeouts and at least 15 s) until a replica
   * of the killed master `port` serves its slots and every running node serves every slot
   * again; returns the promoted replica.
   */
  waitForFailover(port: number, options?: { timeoutMs?: number }): Promise<RedisClusterNode>;
  /** Kills every node and removes their files; safe to call twice. */
  stop(): Promise<void>;
}

interface StartedNode {
  process: ServiceProcess;
  port: number;
  /** Node id and role once the cluster is formed. */
  view?: ClusterNodeView;
  admin?: Redis;
}

/**
 * A Redis Cluster of local `redis-server` processes on free 127.0.0.1 ports, without persistence,
 * formed by `redis-cli --cluster create`. Resolves once every node serves all 16384 slots and
 * every replica is in sync with its master. Its processes die with this process (on exit, and
 * through the parent-death signal if it is killed).
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { masters = 3, replicasPerMaster = 0, nodeTimeoutMs = 1_000 } = options;
  if (!Number.isInteger(masters) || masters < 3) throw new RangeError('masters must be ≥ 3');
  if (!Number.isInteger(replicasPerMaster) || replicasPerMaster < 0) {
    throw new RangeError('replicasPerMaster must be a whole number ≥ 0');
  }
  const cluster = new LocalRedisCluster(await mkdtemp(join(tmpdir(), 'redis-cluster-')));
  try {
    await cluster.start(masters, replicasPerMaster, nodeTimeoutMs);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/**
 * An ioredis Cluster client that enters through the seed and rides out a failover: while a
 * slot has no master it asks again every 100 ms. Connection errors are left to the commands.
 */
export function clusterClient(redisCluster: RedisCluster): Cluster {
  const seed = new URL(redisCluster.seedUrl);
  const client = new Cluster([{ host: seed.hostname, port: Number(seed.port) }], {
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 100,
  });
  client.on('error', () => undefined);
  return client;
}

class LocalRedisCluster implements RedisCluster {
  seedUrl = '';
  readonly #directory: string;
  readonly #nodes: StartedNode[] = [];
  readonly #killOnExit = () => {
    for (const node of this.#nodes) node.process.child.kill('SIGKILL');
  };
  #nodeTimeoutMs = 0;

  constructor(directory: string) {
    this.#directory = directory;
    process.once('exit', this.#killOnExit);
  }

  get nodes(): RedisClusterNode[] {
    return this.#running().map((node) => this.#describe(node));
  }

  async start(masters: number, replicasPerMaster: number, nodeTimeoutMs: number): Promise<void> {
    this.#nodeTimeoutMs = nodeTimeoutMs;
    const count = masters * (1 + replicasPerMaster);
    const ports = await distinctFreePorts(count * 2);
    await Promise.all(
      Array.from({ length: count }, (_, index) =>
        this.#startNode(ports[index * 2] ?? 0, ports[index * 2 + 1] ?? 0, nodeTimeoutMs),
      ),
    );
    await formCluster(
      this.#nodes.map((node) => node.port),
      replicasPerMaster,
    );
    await waitFor(() => this.#formed(masters), {
      timeoutMs: 20_000,
      intervalMs: 50,
      message: 'every node of the new Redis Cluster serving every slot, replicas in sync',
    });
    const views = parseClusterNodes(String(await this.#admin(this.#nodes[0]).cluster('NODES')));
    for (const node of this.#nodes) node.view = views.find((view) => view.port === node.port);
    const seed = this.#nodes.find((node) => node.view?.role === 'replica') ?? this.#nodes[0];
    this.seedUrl = `redis://${host}:${seed?.port}`;
  }

  async masterOf(slotOrKey: number | string): Promise<RedisClusterNode> {
    const slot = typeof slotOrKey === 'string' ? keySlot(slotOrKey) : slotOrKey;
    if (!Number.isInteger(slot) || slot < 0 || slot >= slotCount) {
      throw new RangeError(`no slot ${slot} in a Redis Cluster`);
    }
    const asked = this.#running()[0];
    const port = masterPortOfSlot(await this.#admin(asked).cluster('SLOTS'), slot);
    const master = this.#running().find((node) => node.port === port);
    if (!master) throw new Error(`no running master serves slot ${slot} (CLUSTER SLOTS: ${port})`);
    return this.#describe(master);
  }

  async killNode(port: number): Promise<void> {
    const node = this.#nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no node of this Redis Cluster listens on ${port}`);
    node.admin?.disconnect();
    const { child } = node.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async waitForFailover(
    port: number,
    options: { timeoutMs?: number } = {},
  ): Promise<RedisClusterNode> {
    const killed = this.#nodes.find((node) => node.port === port)?.view;
    const replicas = this.#running().filter((node) => node.view?.masterId === killed?.id);
    if (!killed || killed.role !== 'master' || replicas.length === 0) {
      throw new Error(`${port} was not a master with a replica to promote`);
    }
    const { timeoutMs = Math.max(15_000, this.#nodeTimeoutMs * 10) } = options;
    let promoted: StartedNode | undefined;
    await waitFor(
      async () => {
        const seen = new Set<StartedNode>();
        for (const node of this.#running()) {
          const views = await this.#readViews(node);
          if (!views?.servesAll) return false;
          const master = replicas.find((replica) =>
            views.nodes.some(
              (view) => view.id === replica.view?.id && view.role === 'master' && view.slots > 0,
            ),
          );
          if (!master) return false;
          seen.add(master);
        }
        promoted = seen.size === 1 ? [...seen][0] : undefined;
        return promoted !== undefined;
      },
      { timeoutMs, intervalMs: 50, message: `a replica of ${port} promoted, every slot served` },
    );
    if (!promoted?.view) throw new Error('unreachable: the failover wait ended without a master');
    promoted.view = { ...promoted.view, role: 'master', masterId: null };
    return this.#describe(promoted);
  }

  async stop(): Promise<void> {
    await Promise.all(this.#nodes.map((node) => this.killNode(node.port)));
    process.off('exit', this.#killOnExit);
    await rm(this.#directory, { recursive: true, force: true });
  }

  async #startNode(port: number, busPort: number, nodeTimeoutMs: number): Promise<void> {
    const directory = join(this.#directory, String(port));
    await mkdir(directory);
    const serverProcess = await startClusterNodeProcess({
      port,
      busPort,
      directory,
      nodeTimeoutMs,
    });
    this.#nodes.push({ process: serverProcess, port });
  }

  /**
   * Every node sees the whole cluster healthy and every node in its role — `masters` masters
   * with slots, the others replicas (a replica's role reaches the others by gossip, after
   * redis-cli is done) — and every replica has synced its master.
   */
  async #formed(masters: number): Promise<boolean> {
    for (const node of this.#nodes) {
      const views = await this.#readViews(node);
      if (!views?.servesAll || views.nodes.some((view) => view.unhealthy)) return false;
      const [withSlots, others] = [
        views.nodes.filter((view) => view.role === 'master' && view.slots > 0).length,
        views.nodes.filter((view) => view.role === 'replica' && view.masterId !== null).length,
      ];
      if (withSlots !== masters || withSlots + others !== this.#nodes.length) return false;
      if (views.nodes.find((view) => view.myself)?.role === 'replica') {
        const replication = await this.#admin(node)
          .info('replication')
          .catch(() => '');
        if (!replication.includes('master_link_status:up')) return false;
      }
    }
    return true;
  }

  /** The node's CLUSTER NODES, and whether it serves every slot; undefined when it does not answer. */
  async #readViews(node: StartedNode) {
    try {
      const admin = this.#admin(node);
      const info = parseClusterInfo(String(await admin.cluster('INFO')));
      const nodes = parseClusterNodes(String(await admin.cluster('NODES')));
      return { nodes, servesAll: servesEverySlot(info, this.#nodes.length) };
    } catch {
      return undefined;
    }
  }

  #admin(node: StartedNode | undefined): Redis {
    if (!node) throw new Error('no node of this Redis Cluster is running');
    if (node.admin) return node.admin;
    node.admin = new Redis({
      host,
      port: node.port,
      // A poll that fails is asked again by the poll; a dead node must not be reconnected to.
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1_000,
    });
    node.admin.on('error', () => undefined);
    return node.admin;
  }

  #running(): StartedNode[] {
    return this.#nodes.filter(
      (node) => node.process.child.exitCode === null && node.process.child.signalCode === null,
    );
  }

  #describe(node: StartedNode): RedisClusterNode {
    return {
      host,
      port: node.port,
      role: node.view?.role ?? 'master',
      pid: node.process.child.pid ?? 0,
    };
  }
}
