import { Hono } from 'hono';
import type { Metrics } from '../metrics.ts';
import type { ChatStore } from '../store/chat-store.ts';

/**
 * The executor's own small HTTP surface (port EXECUTOR_PORT): liveness, readiness that touches
 * the database, and its Prometheus metrics (turns by outcome, active turns, time to first chunk).
 */
export function createExecutorHealthApp(dependencies: {
  store: ChatStore;
  metrics: Metrics;
  isStopping: () => boolean;
}): Hono {
  const app = new Hono();
  app.get('/health', (context) =>
    dependencies.isStopping()
      ? context.json({ status: 'stopping' }, 503)
      : context.json({ status: 'healthy' }),
  );
  app.get('/ready', async (context) => {
    try {
      await dependencies.store.ping();
      return context.json({ status: 'ready' });
    } catch {
      return context.json({ status: 'unavailable' }, 503);
    }
  });
  app.get('/metrics', async (context) => {
    context.header('content-type', dependencies.metrics.registry.contentType);
    return context.body(await dependencies.metrics.registry.metrics());
  });
  return app;
}
