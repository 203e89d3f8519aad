import assert from 'node:assert/strict';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { serveApi } from '../../src/main/serve-api.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { waitFor } from '../support/wait-for.ts';

interface LogLine {
  level: number;
  msg: string;
  err?: { stack?: string };
}

/** Opens a raw connection and sends a request whose body (1000 bytes announced) stops after `sent`. */
async function startRequest(address: AddressInfo, path: string, sent: string): Promise<Socket> {
  const socket = connect(address.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
      `Content-Length: 1000\r\n\r\n${sent}`,
  );
  return socket;
}

/**
 * The request with a body that counts the app's reads: a test knows when the app waits for the
 * rest of a body, so that a client going away then is the case under test, not a request the
 * app had not reached yet.
 */
function countingBodyReads(request: Request, onFirstRead: () => void): Request {
  if (!request.body) return request;
  const source = request.body.getReader();
  let first = true;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (first) onFirstRead();
        first = false;
        try {
          const next = await source.read();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel: (reason) => source.cancel(reason),
    },
    { highWaterMark: 0 },
  );
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body,
    duplex: 'half',
  } as RequestInit);
}

/** Everything the server sends until it closes the connection, and when it closed. */
function readUntilClosed(socket: Socket): Promise<{ text: string; closedAt: number }> {
  let text = '';
  socket.on('data', (data: Buffer) => {
    text += data.toString();
  });
  return new Promise((resolve) =>
    socket.once('close', () => resolve({ text, closedAt: performance.now() })),
  );
}

interface ObservedServer {
  server: TestServer;
  /** The session's stream route: the route that reads the biggest bodies. */
  streamPath: string;
  address: AddressInfo;
  /** What the product logged, parsed. */
  lines: LogLine[];
  /** Requests whose body the app has begun to read. */
  bodiesBeingRead: () => number;
  close(): Promise<void>;
}

/**
 * The product's app served on a socket of its own through `serveApi`, as every entry point
 * serves it, with its logs captured and its body reads counted.
 */
async function startObservedServer(environment: Record<string, string>): Promise<ObservedServer> {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as LogLine);
        done();
      },
    }),
  );
  const server = await startTestServer(environment, { logger });
  const created = await fetch(`${server.baseUrl}/api/chat/sessions`, { method: 'POST' });
  const { id } = (await created.json()) as { id: string };
  let bodiesBeingRead = 0;
  const observed = serveApi(
    (request, bindings) =>
      server.app.fetch(
        countingBodyReads(request, () => {
          bodiesBeingRead += 1;
        }),
        bindings,
      ),
    { port: 0, hostname: '127.0.0.1' },
  );
  await new Promise((resolve) => observed.once('listening', resolve));
  return {
    server,
    streamPath: `/api/chat/sessions/${id}/stream`,
    address: observed.address() as AddressInfo,
    lines,
    bodiesBeingRead: () => bodiesBeingRead,
    async close() {
      if ('closeAllConnections' in observed) observed.closeAllConnections();
      await new Promise((resolve) => observed.close(resolve));
      await server.close();
    },
  };
}

describe('a request body that stalls, over a real connection', { timeout: 30_000 }, () => {
  const bodyTimeoutMs = 400;
  let target: ObservedServer;
  before(async () => {
    target = await startObservedServer({ REQUEST_BODY_TIMEOUT_MS: String(bodyTimeoutMs) });
  });
  after(() => target.close());

  it('is answered 408 REQUEST_TIMEOUT after the configured time, and the connection closes', async () => {
    const started = performance.now();
    const socket = await startRequest(target.address, target.streamPath, '{"message":"hel');
    const { text, closedAt } = await readUntilClosed(socket);

    const head = text.slice(0, text.indexOf('\r\n\r\n'));
    const body = /\{"error".*\}/s.exec(text)?.[0] ?? '';
    assert.match(head, /^HTTP\/1\.1 408 /);
    assert.match(head, /\r\nconnection: close\r\n/i);
    assert.match(head, /\r\ncontent-type: application\/json/i);
    assert.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'REQUEST_TIMEOUT');
    const elapsed = closedAt - started;
    assert.ok(elapsed >= bodyTimeoutMs - 50, `closed after ${Math.round(elapsed)} ms`);
    assert.ok(elapsed < bodyTimeoutMs + 5_000, `closed after ${Math.round(elapsed)} ms`);
    // No turn started from a message that never arrived.
    const session = await fetch(
      `${target.server.baseUrl}${target.streamPath.replace(/\/stream$/, '')}`,
    );
    assert.deepEqual(((await session.json()) as { messages: unknown[] }).messages, []);
  });
});

describe(
  'request bodies abandoned by their clients, over real connections',
  { timeout: 30_000 },
  () => {
    let target: ObservedServer;
    before(async () => {
      target = await startObservedServer({});
    });
    after(() => target.close());

    it('are logged at info, one line each, without a stack and without any warning or error', async () => {
      const sockets = await Promise.all(
        Array.from({ length: 100 }, () =>
          startRequest(target.address, target.streamPath, '{"message":"slow'),
        ),
      );
      // Every request is in the app, waiting for the rest of its body, when its client goes.
      await waitFor(() => target.bodiesBeingRead() >= 100, {
        message: 'the app reads all 100 bodies',
      });
      for (const socket of sockets) socket.destroy();

      const { lines } = target;
      await waitFor(
        () => lines.filter((line) => /request body ended/.test(line.msg)).length >= 100,
        {
          message: 'a line for each of the 100 abandoned bodies',
        },
      );
      const abandoned = lines.filter((line) => /request body ended/.test(line.msg));
      assert.equal(abandoned.length, 100);
      assert.ok(abandoned.every((line) => line.level === 30 && line.err === undefined));
      assert.deepEqual(
        lines.filter((line) => line.level >= 40),
        [],
      );
      assert.ok(!JSON.stringify(lines).includes('    at '), 'no stack trace anywhere');
    });
  },
);
