import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../tests/support/free-port.ts';
import { type ServiceProcess, startServiceProcess } from '../tests/support/service-process.ts';

export interface PrivateRedis {
  url: string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

/**
 * A throw-away `redis-server` on a free 127.0.0.1 port, without persistence. The shared Redis
 * also serves other test runs, whose commands would land in `INFO commandstats`; on a private
 * server every counted command is the benchmark's own.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const directory = await mkdtemp(join(tmpdir(), 'durable-chat-bench-redis-'));
  const process = await startServiceProcess({
    name: 'redis-server',
    command: 'redis-server',
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      directory,
    ],
    environment: {},
    readPort: (line) => (line.includes('Ready to accept connections') ? port : null),
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    process,
    async stop() {
      await process.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
