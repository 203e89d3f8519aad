import { Hono } from 'hono';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';
import { ApiError } from '../api-error.ts';
import { createOpenApiDocument } from '../openapi.ts';
import { serviceVersion } from '../service-version.ts';

/**
 * Routes that touch no session: configuration, liveness, readiness, metrics, the API description.
 * Each answers at the root and under `/api/chat`, so a client configured with the API's base URL
 * finds all of them; none needs a caller (see `createApp`).
 */
export function systemRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const { settings, store, metrics, logger } = dependencies;
  const routes = new Hono<ApiEnvironment>();
  let openApiDocument: unknown;
  const bothPaths = (path: string) => [path, `/api/chat${path}`];

  routes.get('/api/chat/config/ttl', (context) => {
    const streamTtlSeconds = Math.round(settings.finishedTurnTtlMs / 1000);
    return context.json({
      stream_ttl_seconds: streamTtlSeconds,
      stream_ttl_ms: settings.finishedTurnTtlMs,
      stream_ttl: streamTtlSeconds,
      heartbeat_interval: Math.round(settings.heartbeatIntervalMs / 1000),
      cancel_force_close: settings.cancelForceCloseMs / 1000,
    });
  });

  for (const path of bothPaths('/health')) {
    routes.get(path, (context) =>
      context.json({ status: 'healthy', service: 'chat', version: serviceVersion }),
    );
  }

  for (const path of bothPaths('/ready')) {
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

  for (const path of bothPaths('/metrics')) {
    routes.get(path, async (context) => {
      context.header('content-type', metrics.registry.contentType);
      return context.body(await metrics.registry.metrics());
    });
  }

  for (const path of bothPaths('/openapi.json')) {
    routes.get(path, (context) => {
      openApiDocument ??= createOpenApiDocument();
      return context.json(openApiDocument as object);
    });
  }

  return routes;
}
