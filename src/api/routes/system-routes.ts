import { Hono } from 'hono';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';
import { ApiError } from '../api-error.ts';
import { createOpenApiDocument } from '../openapi.ts';

/** Routes that touch no session: configuration, liveness, readiness, metrics, the API description. */
export function systemRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const { settings, store, metrics, logger } = dependencies;
  const routes = new Hono<ApiEnvironment>();
  let openApiDocument: unknown;

  routes.get('/api/chat/config/ttl', (context) =>
    context.json({
      stream_ttl: Math.round(settings.finishedTurnTtlMs / 1000),
      heartbeat_interval: Math.round(settings.heartbeatIntervalMs / 1000),
      cancel_force_close: settings.cancelForceCloseMs / 1000,
    }),
  );

  for (const path of ['/health', '/api/chat/health']) {
    routes.get(path, (context) => context.json({ status: 'healthy' }));
  }

  for (const path of ['/ready', '/api/chat/ready']) {
    routes.get(path, async (context) => {
      try {
        await store.ping();
      } catch (error) {
        logger.warn({ err: error }, 'readiness check failed');
        throw new ApiError('SERVICE_UNAVAILABLE', 'The database is not reachable.');
      }
      return context.json({ status: 'ready' });
    });
  }

  routes.get('/metrics', async (context) => {
    context.header('content-type', metrics.registry.contentType);
    return context.body(await metrics.registry.metrics());
  });

  routes.get('/openapi.json', (context) => {
    openApiDocument ??= createOpenApiDocument();
    return context.json(openApiDocument as object);
  });

  return routes;
}
