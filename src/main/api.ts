import { createApp } from '../api/create-app.ts';
import { webAppRoutes } from '../api/web-app-routes.ts';
import { configHelp, loadConfig, requireDistributedUrls } from '../config.ts';
import { createRuntime } from './create-runtime.ts';
import { reportAccessMode } from './report-access-mode.ts';
import { reportStartFailure } from './report-start-failure.ts';
import { serveApi } from './serve-api.ts';

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
  const app = createApp(runtime.api);
  app.route(
    '/',
    webAppRoutes({
      imageOrigins: config.imageOrigins,
      issueVisitorKeys: config.auth.mode === 'anonymous',
    }),
  );
  const server = serveApi(app.fetch, { port: config.port, hostname: config.host }, (info) =>
    logger.info({ port: info.port, store: runtime.storeDescription }, 'API is running'),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the API');
    server.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch(reportStartFailure);
