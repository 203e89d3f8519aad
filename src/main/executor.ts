import { serve } from '@hono/node-server';
import { configHelp, loadConfig, requireDistributedUrls } from '../config.ts';
import { createExecutorHealthApp } from '../executor/executor-health-app.ts';
import { createRuntime } from './create-runtime.ts';
import { startExecutorServices } from './executor-services.ts';
import { reportStartFailure } from './report-start-failure.ts';

/** `npm run start:executor`: runs turns from RabbitMQ into Redis and PostgreSQL; no public API. */
async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(`durable-chat executor\n\n${configHelp()}\n`);
    return;
  }
  const config = loadConfig();
  requireDistributedUrls(config);
  const runtime = await createRuntime(config);
  const { logger } = runtime;
  const services = await startExecutorServices(runtime);
  let stopping = false;
  const health = serve(
    {
      fetch: createExecutorHealthApp({
        store: runtime.api.store,
        metrics: runtime.api.metrics,
        isStopping: () => stopping,
      }).fetch,
      port: config.executorPort,
      hostname: config.host,
    },
    (info) =>
      logger.info(
        {
          executorId: runtime.executor.executorId,
          port: info.port,
          model: runtime.model.description,
        },
        'executor is running',
      ),
  );
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new turns; running turns may finish');
    await services.stop();
    health.close();
    await runtime.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch(reportStartFailure);
