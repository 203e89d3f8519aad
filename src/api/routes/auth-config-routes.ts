import { Hono } from 'hono';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';

/**
 * Whether this server wants a bearer token, so a client can ask for one before the first
 * refusal and never ask when none is needed, and whether it may chat without one meanwhile.
 * Public: it says nothing about who calls.
 */
export function authConfigRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const routes = new Hono<ApiEnvironment>();
  routes.get('/api/chat/config/auth', (context) =>
    context.json({
      auth_required: dependencies.authenticator.enabled,
      anonymous_allowed: dependencies.authenticator.allowsAnonymous,
    }),
  );
  return routes;
}
