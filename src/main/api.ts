import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createApp } from '../api/create-app.ts';
import { webAppRoutes } from '../api/web-app-routes.ts';
import { configHelp, loadConfig, requireDistributedUrls } from '../config.ts';
import { startSweeper } from '../executor/sweeper.ts';
import { ExecutorAvailability } from '../turn/executor-availability.ts';
import { consumeOperationCompletions } from './consume-operation-completions.ts';
import { createRuntime } from './create-runtime.ts';
import { reportAccessMode } from './report-access-mode.ts';
import { reportStartFailure } from './report-start-failure.ts';
import { serveApi } from './serve-api.ts';
import { sweeperOptions } from './sweeper-options.ts';

/** `npm run start:api`: a stateless API process; turns run on executor processes. */
async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`durable-chat API\n\n${configHelp()}\n`);
    return;
  }
  const config = loadConfig();
  requireDistributedUrls(config);
  const runtime = await createRuntime(config);
  const { logger } = runtime;
  reportAccessMode(config, logger);
  // No executor runs here: whether one exists is the turn queue's consumer count. Checked at
  // most every second (or sweep), so a burst of POSTs costs one broker round trip.
  const availability = new ExecutorAvailability({
    queue: runtime.api.queue,
    logger,
    cacheMs: Math.min(1_000, config.sweepIntervalMs),
  });
  // Executors sweep too; the sweep lock lets one process act per round. The API's sweep is what
  // ends turns while no executor is alive.
  const sweeper = startSweeper(runtime.api, {
    ...sweeperOptions(config, `api-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`),
    noExecutor: { availability, timeoutMs: config.noExecutorTimeoutMs },
  });
  const completions = await consumeOperationCompletions(runtime);
  const app = createApp({ ...runtime.api, executors: availability });
  app.route(
    '/',
    webAppRoutes({
      imageOrigins: config.imageOrigins,
      issueVisitorKeys: config.auth.mode === 'anonymous',
    }),
  );
  const server = serveApi(app.fetch, { port: config.port, hostname: config.host }, (info) =>
    logger.info(
      { port: info.port, store: runtime.storeDescription, files: runtime.fileStoreDescription },
      'API is running',
    ),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the API');
    server.close();
    await completions.stop();
    await sweeper.stop();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch(reportStartFailure);
