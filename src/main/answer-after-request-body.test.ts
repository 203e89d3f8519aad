import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serveApi } from './serve-api.ts';

const readBytes = 1024;

/** Answers 413 after reading at most 1 KiB of a body, as the API does past MAX_BODY_BYTES. */
async function refuseLargeBodies(request: Request): Promise<Response> {
  if (request.method === 'GET') return Response.json({ status: 'healthy' });
  const reader = request.body?.getReader();
  let total = 0;
  while (reader && total <= readBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
  }
  if (total <= readBytes) return Response.json({ read: total });
  await reader?.cancel();
  return Response.json({ error: { code: 'PAYLOAD_TOO_LARGE' } }, { status: 413 });
}

describe('serveApi with a body the app did not read', () => {
  let server: Server;
  let baseUrl = '';
  let closedConnections = 0;
  before(async () => {
    server = serveApi(refuseLargeBodies, { port: 0, hostname: '127.0.0.1' }, undefined, {
      maxBytes: 4 * 1024 * 1024,
      maxMs: 400,
      lingerMs: 1_000,
    }) as Server;
    server.on('connection', (socket) => {
      socket.once('close', () => {
        closedConnections += 1;
      });
    });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reads the rest before answering and keeps the connection open for the next requests', async () => {
    const closedBefore = closedConnections;
    for (let round = 0; round < 5; round += 1) {
      const refused = await fetch(baseUrl, { method: 'POST', body: new Uint8Array(300 * 1024) });
      assert.equal(refused.status, 413);
      assert.equal(refused.headers.get('connection'), 'keep-alive');
      assert.deepEqual(await refused.json(), { error: { code: 'PAYLOAD_TOO_LARGE' } });
      const next = await fetch(baseUrl);
      assert.deepEqual(await next.json(), { status: 'healthy' });
    }
    assert.equal(closedConnections - closedBefore, 0, 'the server closed a connection');
  });

  it('answers a body that takes longer than maxMs with Connection: close, and keeps serving', async () => {
    let answered = false;
    const trickle = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (answered) controller.close();
        else controller.enqueue(new Uint8Array(4 * 1024));
      },
    });
    const refused = await fetch(baseUrl, {
      method: 'POST',
      body: trickle,
      duplex: 'half',
    } as RequestInit);
    answered = true;
    assert.equal(refused.status, 413);
    assert.equal(refused.headers.get('connection'), 'close');
    assert.deepEqual(await refused.json(), { error: { code: 'PAYLOAD_TOO_LARGE' } });
    assert.equal((await fetch(baseUrl)).status, 200);
  });

  it('answers a body longer than maxBytes with Connection: close', async () => {
    const refused = await fetch(baseUrl, { method: 'POST', body: new Uint8Array(8 * 1024 * 1024) });
    assert.equal(refused.status, 413);
    assert.equal(refused.headers.get('connection'), 'close');
    assert.deepEqual(await refused.json(), { error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('leaves a body the app read in full alone', async () => {
    const read = await fetch(baseUrl, { method: 'POST', body: 'small' });
    assert.deepEqual(await read.json(), { read: 5 });
    assert.equal(read.headers.get('connection'), 'keep-alive');
  });
});
