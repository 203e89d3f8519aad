import { createApp } from '../api/create-app.ts';
import { webAppRoutes } from '../api/web-app-routes.ts';
import { configHelp, loadConfig } from '../config.ts';
import { consumeOperationCompletions } from './consume-operation-completions.ts';
import { createRuntime } from './create-runtime.ts';
import { startExecutorServices } from './executor-services.ts';
import { reportAccessMode } from './report-access-mode.ts';
import { reportStartFailure } from './report-start-failure.ts';
import { serveApi } from './serve-api.ts';

/** `npm start`: the API and the executor in one process on the embedded adapters. */
async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`durable-chat — API and executor in one process\n\n${configHelp()}\n`);
    return;
  }
  const config = loadConfig();
  const runtime = await createRuntime(config);
  const { logger } = runtime;
  reportAccessMode(config, logger);
  // The embedded registry and queue died with any previous process: its unfinished turns can
  // never end on their own, so they end here (never stuck, invariant 3).
  if (runtime.embedded) {
    const orphaned = await runtime.api.store.failUnfinishedTurns(
      'interrupted: the server stopped while answering',
    );
    if (orphaned > 0) {
      logger.warn({ turns: orphaned }, 'ended turns left unfinished by a previous run');
    }
  }
  const executor = await startExecutorServices(runtime);
  const completions = await consumeOperationCompletions(runtime);
  const app = createApp(runtime.api);
  app.route(
    '/',
    webAppRoutes({
      imageOrigins: config.imageOrigins,
      issueVisitorKeys: config.auth.mode === 'anonymous',
    }),
  );
  const server = serveApi(app.fetch, { port: config.port, hostname: config.host }, (info) => {
    const base = `http://localhost:${info.port}`;
    runtime.setListeningUrl(`http://127.0.0.1:${info.port}`);
    logger.info(
      {
        port: info.port,
        store: runtime.storeDescription,
        files: runtime.fileStoreDescription,
        model: runtime.model.description,
      },
      'durable-chat is running',
    );
    process.stdout.write(
      [
        '',
        `  durable-chat is running at ${base}`,
        `  store: ${runtime.storeDescription}   model: ${runtime.model.description}`,
        '',
        '  Try it:',
        `    SESSION=$(curl -s -X POST ${base}/api/chat/sessions | sed -E 's/.*"id":"([^"]+)".*/\\1/')`,
        `    curl -N -X POST ${base}/api/chat/sessions/$SESSION/stream -H 'content-type: application/json' -d '{"message":"Hello!"}'`,
        '',
        `  API description: ${base}/openapi.json   health: ${base}/health   metrics: ${base}/metrics`,
        '',
      ].join('\n'),
    );
  });
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close();
    await completions.stop();
    await executor.stop();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch(reportStartFailure);
