import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { QueueUnavailableError } from '../queue/turn-queue.ts';
import {
  ApprovalNotPendingError,
  MessageIdConflictError,
  MessageNotFoundError,
  NothingToAnswerError,
  SessionNotFoundError,
} from '../store/chat-store-errors.ts';
import type { ApiDependencies, ApiEnvironment } from './api-dependencies.ts';
import { ApiError } from './api-error.ts';
import { authConfigRoutes } from './routes/auth-config-routes.ts';
import { fileRoutes } from './routes/file-routes.ts';
import { operationRoutes } from './routes/operation-routes.ts';
import { sessionRoutes } from './routes/session-routes.ts';
import { streamRoutes } from './routes/stream-routes.ts';
import { systemRoutes } from './routes/system-routes.ts';
import { webConfigRoutes } from './routes/web-config-routes.ts';
import { securityHeaders } from './security-headers.ts';
import { readVisitorKey } from './visitor-key.ts';

/**
 * The HTTP API as a Hono app. It never listens: the composition root serves it, tests call
 * `app.request()` in-process.
 */
export function createApp(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const app = new Hono<ApiEnvironment>();
  const { logger, authenticator } = dependencies;
  app.use('*', securityHeaders);

  // Only session routes know callers: probes and scrapers of /health, /ready and /metrics never
  // carry the user's token and must not be refused for a stray header. That holds under the
  // /api/chat prefix too: /api/chat/metrics and /api/chat/openapi.json are the root routes under
  // the API's base URL, public like them (put a proxy rule in front to hide metrics).
  const authenticate: MiddlewareHandler<ApiEnvironment> = async (context, next) => {
    const caller = await authenticator.authenticate({
      authorization: context.req.header('authorization'),
      visitorKey: readVisitorKey(context.req.header('cookie')),
    });
    // With auth on and ALLOW_ANONYMOUS off, a tokenless caller may not even create a session.
    if (caller.userId === null && !authenticator.allowsAnonymous) {
      throw new ApiError('UNAUTHENTICATED');
    }
    context.set('caller', caller);
    await next();
  };
  app.use('/api/chat/sessions', authenticate);
  app.use('/api/chat/sessions/*', authenticate);
  app.use('/api/chat/files', authenticate);
  app.use('/api/chat/files/*', authenticate);
  // Not the completion webhook: services authenticate with the operation's token or the API key.
  app.on('GET', ['/api/chat/operations/:id', '/api/chat/operations/:id/stream'], authenticate);

  app.route('/', systemRoutes(dependencies));
  app.route('/', authConfigRoutes(dependencies));
  app.route('/', webConfigRoutes(dependencies));
  app.route('/api/chat', sessionRoutes(dependencies));
  app.route('/api/chat', streamRoutes(dependencies));
  app.route('/api/chat', operationRoutes(dependencies));
  app.route('/api/chat', fileRoutes(dependencies));

  app.notFound((context) => context.json(new ApiError('ROUTE_NOT_FOUND').toBody(), 404));

  app.onError((error, context) => {
    if (error instanceof ApiError) {
      if (error.code === 'REQUEST_BODY_ABORTED') {
        // Clients close tabs and drop connections mid-upload all the time; slowloris clients do
        // it on purpose. Nobody reads this answer, and it is no fault of ours: no stack, no alarm.
        logger.info({ path: context.req.path, method: context.req.method }, error.message);
      }
      if (error.retryAfterSeconds !== undefined) {
        context.header('retry-after', String(error.retryAfterSeconds));
      }
      return context.json(error.toBody(), error.status as 400);
    }
    if (error instanceof SessionNotFoundError) {
      return context.json(new ApiError('SESSION_NOT_FOUND').toBody(), 404);
    }
    if (error instanceof MessageIdConflictError) {
      return context.json(new ApiError('MESSAGE_ID_CONFLICT').toBody(), 409);
    }
    if (error instanceof MessageNotFoundError) {
      return context.json(new ApiError('MESSAGE_NOT_FOUND').toBody(), 404);
    }
    if (error instanceof ApprovalNotPendingError) {
      return context.json(new ApiError('APPROVAL_NOT_PENDING', error.message).toBody(), 409);
    }
    if (error instanceof NothingToAnswerError) {
      return context.json(new ApiError('NOTHING_TO_REGENERATE').toBody(), 409);
    }
    if (error instanceof HTTPException) {
      const status = error.status;
      const code =
        status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : status === 404
            ? 'ROUTE_NOT_FOUND'
            : 'VALIDATION_FAILED';
      return context.json(new ApiError(code).toBody(), status);
    }
    logger.error(
      { err: error, path: context.req.path, method: context.req.method },
      'unhandled error',
    );
    const unavailable = isConnectionError(error);
    const apiError = new ApiError(unavailable ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR');
    return context.json(apiError.toBody(), apiError.status as 500);
  });

  return app;
}

function isConnectionError(error: unknown): boolean {
  if (error instanceof QueueUnavailableError) return true;
  // ioredis, after its bounded retries during a Redis outage, or during a cluster's failover
  // (a master gone, its replica not yet promoted, the slot map being refreshed).
  if (
    error instanceof Error &&
    /MaxRetriesPerRequest|Connection is closed|ECONNREFUSED|CLUSTERDOWN|TRYAGAIN|Cluster redirections|refresh slots cache|startup nodes|Cluster isn't ready/.test(
      `${error.name} ${error.message}`,
    )
  ) {
    return true;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|57P01|57P03|08\d\d\d)$/.test(code)
  );
}
