import { Redis } from 'ioredis';

export interface RegistryConnections {
  /** Commands and scripts of every caller, auto-pipelined. */
  command: Redis;
  /** Only the reading hub's blocking XREAD. */
  blocking: Redis;
}

/**
 * Opens the registry's two connections, both named `clientName` (CLIENT SETNAME), and rejects —
 * closing whatever did connect — when Redis cannot be reached, instead of queueing commands.
 */
export async function openRegistryConnections(
  url: string,
  clientName: string,
  onError: (error: unknown) => void,
): Promise<RegistryConnections> {
  const connect = async (role: keyof RegistryConnections) => {
    const client = new Redis(url, {
      lazyConnect: true,
      connectionName: clientName,
      // Concurrent readers' replays and writers' scripts share one round trip per tick.
      enableAutoPipelining: role === 'command',
      // RESP2 keeps XREAD and HGETALL replies in the shapes the parsers expect.
      protocol: 2,
      // During an outage a request fails within about a second (the API answers 503) instead of
      // waiting through ioredis's default twenty reconnects; the blocking loop retries on its own.
      maxRetriesPerRequest: role === 'command' ? 2 : null,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
    });
    client.on('error', onError);
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw new Error('could not connect to Redis for the stream registry', { cause: error });
    }
    return client;
  };
  const [command, blocking] = await Promise.allSettled([connect('command'), connect('blocking')]);
  if (command.status === 'fulfilled' && blocking.status === 'fulfilled') {
    return { command: command.value, blocking: blocking.value };
  }
  for (const result of [command, blocking]) {
    if (result.status === 'fulfilled') result.value.disconnect();
  }
  throw command.status === 'rejected' ? command.reason : (blocking as PromiseRejectedResult).reason;
}
