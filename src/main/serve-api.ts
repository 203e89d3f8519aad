import type { Server } from 'node:http';
import { type Http2Bindings, type HttpBindings, type ServerType, serve } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import {
  answerAfterRequestBody,
  defaultUnreadBodyLimits,
  type UnreadBodyLimits,
} from './answer-after-request-body.ts';

/**
 * How long an idle keep-alive connection stays open. Node's default (5 s) is shorter than the
 * idle timeout of common load balancers and proxies (60 s): one of them then reuses a connection
 * the API is closing at that moment, and the request fails with a reset (a 502 for the user).
 * Longer than theirs, the API never closes first. Clients hear it in the `Keep-Alive` header.
 */
export const keepAliveTimeoutMs = 65_000;

/**
 * Serves the API's fetch handler over HTTP/1.1 with the keep-alive policy above; an answer given
 * before the request body has arrived (e.g. 413) is sent once the rest is read, within
 * `unreadBodyLimits` (see `answerAfterRequestBody`). Every entry point serves through here.
 */
export function serveApi(
  fetch: (request: Request, bindings: HttpBindings | Http2Bindings) => Response | Promise<Response>,
  address: { port: number; hostname: string },
  onListening?: (info: AddressInfo) => void,
  unreadBodyLimits: UnreadBodyLimits = defaultUnreadBodyLimits,
): ServerType {
  const server = serve(
    { fetch: answerAfterRequestBody(fetch, unreadBodyLimits), ...address },
    onListening,
  );
  const http = server as Server;
  http.keepAliveTimeout = keepAliveTimeoutMs;
  // Must exceed the keep-alive timeout, or a request arriving as it ends may be cut off.
  http.headersTimeout = keepAliveTimeoutMs + 1_000;
  return server;
}
