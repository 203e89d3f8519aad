import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A connection to a standalone Redis or to a Redis Cluster: the registry uses both alike. */
export type RedisConnection = Redis | Cluster;

/** Every command the registry and its callers send on a cluster, except XADD. */
const unpipelinedClusterCommands = [
  'evalsha',
  'eval',
  'script',
  'get',
  'set',
  'del',
  'exists',
  'hget',
  'hgetall',
  'xrange',
  'xrevrange',
  'xread',
  'pexpire',
  'multi',
  'exec',
];

export interface RegistryConnections {
  /** Commands and scripts of every caller, auto-pipelined (per node on a cluster). */
  command: RedisConnection;
  /** Opens a connection for one reading hub's blocking XREAD (connected lazily). */
  openBlocking(): RedisConnection;
}

export interface RegistryConnectionOptions {
  /** `redis://[user:password@]host:port[/db]`; on a cluster, any one node (the seed). */
  url: string;
  /** Treat `url` as a seed node of a Redis Cluster. */
  cluster: boolean;
  clientName: string;
  onError: (error: unknown) => void;
}

/**
 * Opens the registry's command connection, named `clientName` (CLIENT SETNAME), and rejects —
 * closing it — when Redis cannot be reached, instead of queueing commands. Blocking connections
 * for the reading hubs are opened as hubs need them.
 */
export async function openRegistryConnections(
  options: RegistryConnectionOptions,
): Promise<RegistryConnections> {
  const open = (role: 'command' | 'blocking', lazy: boolean): RedisConnection => {
    const nodeOptions: RedisOptions = {
      connectionName: options.clientName,
      // RESP2 keeps XREAD and HGETALL replies in the shapes the parsers expect.
      protocol: 2,
      // During an outage a request fails within about a second (the API answers 503) instead of
      // waiting through ioredis's default twenty reconnects; the blocking loop retries on its own.
      maxRetriesPerRequest: role === 'command' ? 2 : null,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
    };
    // Concurrent readers' replays and writers' appends share one round trip per tick.
    const enableAutoPipelining = role === 'command';
    let client: RedisConnection;
    if (options.cluster) {
      const seed = new URL(options.url);
      client = new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
        lazyConnect: lazy,
        enableAutoPipelining,
        // ioredis follows a MOVED or ASK of a pipelined command only when every command of the
        // pipeline got the same one, and a failover moves many slots at once: only appends are
        // pipelined here (RegistryCommands.appendFast takes a redirected XADD to the careful
        // script, which follows it); everything else goes alone and follows redirections.
        autoPipeliningIgnoredCommands: enableAutoPipelining ? unpipelinedClusterCommands : [],
        redisOptions: {
          ...nodeOptions,
          username: decodeURIComponent(seed.username) || undefined,
          password: decodeURIComponent(seed.password) || undefined,
        },
        // A failover moves slots: find the new owner quickly, and keep retrying commands meanwhile
        // for about as long as a replica takes to be promoted.
        clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        slotsRefreshTimeout: 2_000,
      });
    } else {
      client = new Redis(options.url, { ...nodeOptions, lazyConnect: lazy, enableAutoPipelining });
    }
    client.on('error', options.onError);
    return client;
  };
  const command = open('command', true);
  try {
    await command.connect();
  } catch (error) {
    command.disconnect();
    throw new Error('could not connect to Redis for the stream registry', { cause: error });
  }
  return { command, openBlocking: () => open('blocking', false) };
}
