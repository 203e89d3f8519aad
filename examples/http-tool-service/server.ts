/**
 * An example service behind durable-chat's external HTTP tools (`HTTP_TOOLS_FILE`, see
 * `examples/http-tools.json`). Dependency-free: `node examples/http-tool-service/server.ts`
 * on Node 24. Each tool shows one answer the executor understands; see this folder's README.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What durable-chat POSTs to start a tool call. */
interface StartRequest {
  operation_id: string;
  input: Record<string, unknown>;
  callback_url: string;
  completion_token: string;
}

/** What the service saw, for `GET /received` (tests and the curious). */
interface Received {
  /** Start requests, per tool; the completion token itself is not repeated here. */
  starts: {
    tool: string;
    fields: string[];
    operation_id: string;
    input: unknown;
    callback_url: string;
  }[];
  cancels: { operation_id: string; was_running: boolean }[];
  /** Completions this service delivered, with durable-chat's answer. */
  completions: { operation_id: string; status: number | null; error?: string }[];
}

const port = Number(process.env.PORT ?? '4100');
const host = process.env.HOST ?? '127.0.0.1';
/** How long `render-report` works before it completes, unless the input says `delay_ms`. */
const renderDelayMs = Number(process.env.RENDER_DELAY_MS ?? '3000');
const maxBodyBytes = 1024 * 1024;

const received: Received = { starts: [], cancels: [], completions: [] };
/** Renders that are still working, by operation id: a cancel stops them. */
const renders = new Map<string, NodeJS.Timeout>();

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    if (!response.headersSent) sendJson(response, 500, { error: message });
    else response.destroy();
  });
});

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://service').pathname;
  if (request.method === 'GET' && path === '/received') return sendJson(response, 200, received);
  if (request.method === 'GET' && path === '/health') return sendJson(response, 200, { ok: true });
  if (request.method !== 'POST') return sendJson(response, 404, { error: 'not found' });
  const body = await readJson(request);
  if (body === undefined) return sendJson(response, 400, { error: 'expected a JSON body' });
  if (path === '/cancel') return cancel(body, response);
  const tool = /^\/tools\/([a-z-]+)$/.exec(path)?.[1];
  const handler = tool === undefined ? undefined : tools[tool];
  if (tool === undefined || handler === undefined) {
    return sendJson(response, 404, { error: 'no such tool' });
  }
  const start = asStartRequest(body);
  if (start === undefined) {
    return sendJson(response, 400, {
      error: 'expected {operation_id, input, callback_url, completion_token}',
    });
  }
  received.starts.push({
    tool,
    fields: Object.keys(body).sort(),
    operation_id: start.operation_id,
    input: start.input,
    callback_url: start.callback_url,
  });
  handler(start, response);
}

const tools: Record<string, (start: StartRequest, response: ServerResponse) => void> = {
  /** Instant: `200` and the result. */
  'word-count': (start, response) => {
    const text = start.input.text;
    if (typeof text !== 'string') {
      return sendJson(response, 400, { error: 'input.text must be a string' });
    }
    const words = text.split(/\s+/).filter((word) => word !== '').length;
    sendJson(response, 200, { words, characters: text.length });
  },
  /** Long-running: `202` now, the completion through the callback URL later. */
  'render-report': (start, response) => {
    const title = typeof start.input.title === 'string' ? start.input.title : 'Untitled';
    const delay = typeof start.input.delay_ms === 'number' ? start.input.delay_ms : renderDelayMs;
    renders.set(
      start.operation_id,
      setTimeout(() => {
        renders.delete(start.operation_id);
        void complete(start, { title, pages: title.length + 1, format: 'pdf' });
      }, delay),
    );
    sendJson(response, 202, { status: 'accepted', operation_id: start.operation_id });
  },
  /** Broken: every call is a `500`. */
  'always-fails': (_start, response) => {
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end('the report engine is out of paper');
  },
  /** Stuck: takes the request and never answers (durable-chat's timeout ends the call). */
  'never-answers': () => {},
};

/** The cancel URL: durable-chat POSTs `{operation_id}` when the operation's session is deleted. */
function cancel(body: Record<string, unknown>, response: ServerResponse): void {
  const operationId = body.operation_id;
  if (typeof operationId !== 'string') {
    return sendJson(response, 400, { error: 'expected {operation_id}' });
  }
  const render = renders.get(operationId);
  clearTimeout(render);
  renders.delete(operationId);
  received.cancels.push({ operation_id: operationId, was_running: render !== undefined });
  sendJson(response, 200, { cancelled: render !== undefined });
}

/** Delivers a result the way every long-running service does: POST to the callback URL. */
async function complete(start: StartRequest, result: unknown): Promise<void> {
  try {
    const answer = await fetch(start.callback_url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-completion-token': start.completion_token,
      },
      body: JSON.stringify({ success: true, result }),
      signal: AbortSignal.timeout(10_000),
    });
    await answer.body?.cancel();
    received.completions.push({ operation_id: start.operation_id, status: answer.status });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    received.completions.push({ operation_id: start.operation_id, status: null, error: message });
  }
}

function asStartRequest(body: Record<string, unknown>): StartRequest | undefined {
  const { operation_id, input, callback_url, completion_token } = body;
  if (typeof operation_id !== 'string' || typeof callback_url !== 'string') return undefined;
  if (typeof completion_token !== 'string') return undefined;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined;
  return { operation_id, input: input as Record<string, unknown>, callback_url, completion_token };
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

server.listen(port, host, () => {
  const { port: actualPort } = server.address() as AddressInfo;
  process.stdout.write(`http-tool-service listening on http://${host}:${actualPort}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const render of renders.values()) clearTimeout(render);
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
