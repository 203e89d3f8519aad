import type { MiddlewareHandler } from 'hono';
import type { ApiEnvironment } from './api-dependencies.ts';

/**
 * Headers every response carries, API JSON, SSE, errors and the web app's files alike:
 * `nosniff`, so a browser never runs a JSON body or an error that echoes input as a script or a
 * page; `no-referrer`, so nothing the app or an answer links to learns a page URL (it names the
 * open chat). Set after the handler, so it also covers what `onError` and `notFound` answer.
 */
export const securityHeaders: MiddlewareHandler<ApiEnvironment> = async (context, next) => {
  await next();
  context.res.headers.set('x-content-type-options', 'nosniff');
  context.res.headers.set('referrer-policy', 'no-referrer');
};
