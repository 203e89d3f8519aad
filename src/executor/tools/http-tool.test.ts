import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createHttpTool, type HttpToolSettings } from './http-tool.ts';
import {
  createLongRunningTool,
  type OperationStartRequest,
  type OperationToolContext,
} from './long-running-tool.ts';

/** Answers `/text` with plain text, `/empty` with nothing, and never answers `/hang`. */
function startService(): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    if (request.url === '/text') return void response.end('plain words');
    if (request.url === '/empty') return void response.end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    }),
  );
}

function settingsFor(url: string, overrides: Partial<HttpToolSettings> = {}): HttpToolSettings {
  return {
    name: 'lookup',
    description: 'Looks something up.',
    inputSchema: { type: 'object' },
    url,
    timeoutMs: 2_000,
    ...overrides,
  };
}

function startRequest(signal = new AbortController().signal): OperationStartRequest {
  return {
    operationId: 'operation-1',
    input: {},
    callbackUrl: 'http://127.0.0.1:1/complete',
    completionToken: 'token',
    signal,
  };
}

describe('createHttpTool', () => {
  let service: { server: Server; url: string };
  before(async () => {
    service = await startService();
  });
  after(() => {
    service.server.closeAllConnections();
    service.server.close();
  });

  it('carries the cancel URL, deadline and approval of its settings into the definition', () => {
    const definition = createHttpTool(
      settingsFor(service.url, {
        cancelUrl: 'http://127.0.0.1:1/cancel',
        deadlineMs: 60_000,
        needsApproval: true,
      }),
    );
    assert.equal(definition.name, 'lookup');
    assert.equal(definition.cancelUrl, 'http://127.0.0.1:1/cancel');
    assert.equal(definition.deadlineMs, 60_000);
    assert.equal(definition.needsApproval, true);
    const plain = createHttpTool(settingsFor(service.url));
    assert.equal(plain.cancelUrl, undefined);
    assert.equal(plain.needsApproval, undefined);
  });

  it('a long-running tool that needs approval becomes an AI SDK tool that needs approval', () => {
    // The context is only used when the tool runs, which approval comes before.
    const context = {} as OperationToolContext;
    const approved = createLongRunningTool(
      createHttpTool(settingsFor(service.url, { needsApproval: true })),
      context,
    );
    assert.equal(approved.needsApproval, true);
    const free = createLongRunningTool(createHttpTool(settingsFor(service.url)), context);
    assert.equal(free.needsApproval, undefined);
  });

  it('a 200 that is not JSON is a text result, an empty one an empty text', async () => {
    const text = createHttpTool(settingsFor(`${service.url}/text`));
    assert.deepEqual(await text.start(startRequest()), { type: 'result', output: 'plain words' });
    const empty = createHttpTool(settingsFor(`${service.url}/empty`));
    assert.deepEqual(await empty.start(startRequest()), { type: 'result', output: '' });
  });

  it('a service that cannot be reached is an error naming the tool', async () => {
    const closed = await startService();
    closed.server.close();
    const definition = createHttpTool(settingsFor(`${closed.url}/text`));
    await assert.rejects(definition.start(startRequest()), {
      message: /^lookup could not be reached: connect ECONNREFUSED/,
    });
  });

  it('a stopped turn aborts the request as a stop, not as a timeout of the service', async () => {
    const definition = createHttpTool(settingsFor(`${service.url}/hang`, { timeoutMs: 60_000 }));
    const stop = new AbortController();
    const started = definition.start(startRequest(stop.signal));
    stop.abort(new Error('turn stopped'));
    await assert.rejects(started, /turn stopped/);
  });
});
