import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ToolSet } from 'ai';
import type { Logger } from '../../src/logger.ts';
import { createApp } from '../../src/api/create-app.ts';
import { loadConfig } from '../../src/config.ts';
import { startTurnWorker } from '../../src/executor/turn-worker.ts';
import { createRuntime, type Runtime } from '../../src/main/create-runtime.ts';
import { serveApi } from '../../src/main/serve-api.ts';
import type { ChatStore } from '../../src/store/chat-store.ts';
import { createPgliteSqlClient } from '../../src/store/pglite-sql-client.ts';
import { SqlChatStore } from '../../src/store/sql-chat-store.ts';
import { unlimitedCallers } from './unlimited-callers.ts';

export interface TestServer {
  baseUrl: string;
  runtime: Runtime;
  app: ReturnType<typeof createApp>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /**
   * False starts no turn worker: turns are enqueued and never consumed, as when every executor is
   * down or stuck (force-close tests). Defaults to true.
   */
  startWorker?: boolean;
  /** Replaces the built-in tools (e.g. a tool that waits, to hold a turn mid tool call). */
  tools?: ToolSet;
  /** Receives the product's logs (tests that check what operators see). */
  logger?: Logger;
  /** The store to run on (closed with the server); a fresh in-memory PGlite when absent. */
  store?: ChatStore;
}

/**
 * The real product in this process — API, executor, in-memory PGlite (or `options.store`), memory registry,
 * in-process queue, demo model — listening on a random loopback port.
 */
export async function startTestServer(
  environment: Record<string, string> = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  // Uploaded files go to a folder of this server's, removed with it, unless the test names one.
  const temporaryDataDir =
    environment.DATA_DIR === undefined
      ? await mkdtemp(join(tmpdir(), 'durable-chat-test-server-'))
      : null;
  const config = loadConfig({
    ...(temporaryDataDir === null ? {} : { DATA_DIR: temporaryDataDir }),
    LOG_LEVEL: 'silent',
    DEMO_TOKEN_DELAY_MS: '2',
    DEMO_ANSWER_WORDS: '20',
    DEMO_SLOW_SILENCE_MS: '300',
    HOST: '127.0.0.1',
    PORT: '0',
    ...unlimitedCallers,
    ...environment,
  });
  const store = options.store ?? (await SqlChatStore.open(await createPgliteSqlClient({})));
  const runtime = await createRuntime(config, {
    store,
    storeIsExclusive: options.store === undefined,
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const worker =
    options.startWorker === false
      ? null
      : await startTurnWorker(runtime.executor, { concurrency: config.turnConcurrency });
  const app = createApp(runtime.api);
  const server = serveApi(app.fetch, { port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  runtime.setListeningUrl(`http://127.0.0.1:${port}`);
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    runtime,
    app,
    async close() {
      if ('closeAllConnections' in server) server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await worker?.stop(1000);
      await runtime.close();
      if (temporaryDataDir !== null) await rm(temporaryDataDir, { recursive: true, force: true });
    },
  };
}
