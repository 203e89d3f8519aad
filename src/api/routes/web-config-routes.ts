import { Hono } from 'hono';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';

/**
 * What the web app may load from elsewhere: the origins answer images may come from. The app
 * renders any other image as a link, so a prompt-injected answer cannot make the browser send
 * the chat to a host of its choosing. Public, like the auth configuration: it says nothing about
 * who calls.
 */
export function webConfigRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const routes = new Hono<ApiEnvironment>();
  routes.get('/api/chat/config/web', (context) =>
    context.json({ image_origins: [...dependencies.settings.imageOrigins] }),
  );
  return routes;
}
