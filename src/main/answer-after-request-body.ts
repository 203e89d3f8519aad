import { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Http2Bindings, HttpBindings } from '@hono/node-server';

/** How much of an unread request body the server reads and throws away before it answers. */
export interface UnreadBodyLimits {
  /** Bytes discarded at most; a longer body gets its answer with `Connection: close`. */
  maxBytes: number;
  /** Milliseconds spent discarding at most; a slower body gets its answer likewise. */
  maxMs: number;
  /** After such an answer, how long the connection still reads (and drops) before it closes. */
  lingerMs: number;
}

/** Room for every body a client may send by mistake (a 20 MB paste), at loopback or LAN speed. */
export const defaultUnreadBodyLimits: UnreadBodyLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxMs: 10_000,
  lingerMs: 2_000,
};

type FetchHandler = (
  request: Request,
  bindings: HttpBindings | Http2Bindings,
) => Response | Promise<Response>;

/**
 * Wraps the API's fetch handler so that an answer given before the request body has arrived (a
 * 413 for an oversized body, a 401, a 404…) reaches the client.
 *
 * Left alone, the rest of such a body is never read: the web stream that hands the body to the app
 * still listens on the request and pauses it whenever its queue is full, so @hono/node-server's own
 * clean-up stalls and, after 500 ms, destroys the socket. A client that is still sending then gets
 * a reset (EPIPE) instead of the answer, and a client that already reuses the keep-alive connection
 * for its next request gets "other side closed". Here the rest is read and dropped before the
 * answer is sent, up to `limits`, so the connection stays usable; a body beyond them gets its
 * answer with `Connection: close` and a lingering close (see `closeWhenAnswered`).
 */
export function answerAfterRequestBody(
  fetch: FetchHandler,
  limits: UnreadBodyLimits = defaultUnreadBodyLimits,
): FetchHandler {
  return async (request, bindings) => {
    const response = await fetch(request, bindings);
    const { incoming } = bindings;
    // HTTP/2 ends a stream without touching the connection: nothing to protect there.
    if (!(incoming instanceof IncomingMessage) || incoming.complete) return response;
    // A 408 means the body stopped coming: waiting for the rest would only hold the connection.
    const discardLimits = response.status === 408 ? { ...limits, maxMs: 0 } : limits;
    if ((await discardRestOfBody(incoming, discardLimits)) !== 'too-long') return response;
    closeWhenAnswered(incoming.socket, limits.lingerMs);
    const headers = new Headers(response.headers);
    headers.set('connection', 'close');
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

type DiscardOutcome = 'ended' | 'gone' | 'too-long';

/**
 * Reads what is left of the request body and drops it, until it ends, the client goes, or a limit
 * is reached. The body keeps being dropped after a limit, until the connection closes.
 */
function discardRestOfBody(
  incoming: IncomingMessage,
  limits: UnreadBodyLimits,
): Promise<DiscardOutcome> {
  return new Promise((resolve) => {
    let bytes = 0;
    let settled = false;
    const settle = (outcome: DiscardOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => settle('too-long'), limits.maxMs);
    // Whoever read part of the body has stopped, and its listener pauses the request as soon as
    // its queue is full; Node's own discarding (`IncomingMessage._dump`) removes them the same way.
    incoming.removeAllListeners('data');
    incoming.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (bytes > limits.maxBytes) settle('too-long');
    });
    incoming.once('end', () => settle('ended'));
    incoming.once('error', () => settle('gone'));
    incoming.once('close', () => settle(incoming.complete ? 'ended' : 'gone'));
    incoming.resume();
  });
}

/**
 * Node closes a `Connection: close` socket with `destroySoon()` as soon as the answer is written.
 * Request bytes that still arrive at a closed socket are answered by the kernel with a reset, which
 * can reach the client before it has read the answer. Instead the connection sends its FIN after
 * the answer, keeps reading (the request stays in flowing mode and drops what comes), and closes
 * `lingerMs` later or when the client does, as web servers' "lingering close" does.
 */
function closeWhenAnswered(socket: Socket, lingerMs: number): void {
  let lingering = false;
  socket.destroySoon = () => {
    if (lingering) return;
    lingering = true;
    socket.end();
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    socket.once('close', () => clearTimeout(timer));
  };
}
