import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { visitorCookieHeader, visitorKeyA } from '../support/visitor-keys.ts';
import { type ApiClient, createApiClient, expectError } from './api-client.ts';
import { readTurnStream } from './sse-events.ts';

const maxBodyBytes = 4096;
const maxMessageChars = 200;

describe('bad input gets a clean 4xx JSON error', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  let sessionId: string;
  before(async () => {
    server = await startTestServer({
      MAX_BODY_BYTES: String(maxBodyBytes),
      MAX_MESSAGE_CHARS: String(maxMessageChars),
    });
    api = createApiClient(server);
    sessionId = await api.createSession();
  });
  after(() => server.close());

  const streamPath = () => `/api/chat/sessions/${sessionId}/stream`;
  const titlePath = () => `/api/chat/sessions/${sessionId}/title`;
  const postStream = (json: unknown) => api.call('POST', streamPath(), { json });
  const userMessage = (parts: unknown[], role = 'user', id = 'm1') => ({ id, role, parts });
  const transport = (messages: unknown[], trigger = 'submit-message') => ({
    id: sessionId,
    messages,
    trigger,
  });
  /** A stream that yields `total` bytes in small pieces and declares no length. */
  const streamedBody = (total: number) => {
    let sent = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= total) return controller.close();
        const piece = new TextEncoder().encode(`{"message":"${'x'.repeat(500)}"`.slice(0, 512));
        sent += piece.byteLength;
        controller.enqueue(piece);
      },
    });
  };

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    for (const text of ['{"message":', "{'message':'hi'}", 'nul', '{"message":"x"}}', '\u0000']) {
      const headers = { 'content-type': 'application/json' };
      await expectError(
        await api.call('POST', streamPath(), { headers, body: text }),
        400,
        'MALFORMED_JSON',
      );
      await expectError(
        await api.call('PATCH', titlePath(), { headers, body: text }),
        400,
        'MALFORMED_JSON',
      );
    }
  });

  it('answers a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const body = JSON.stringify({ message: 'hi', title: 'hi' });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      'text/json',
    ]) {
      const headers = { 'content-type': type };
      await expectError(
        await api.call('POST', streamPath(), { headers, body }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      await expectError(
        await api.call('PATCH', titlePath(), { headers, body }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    }
  });

  it('answers a body over MAX_BODY_BYTES with 413 PAYLOAD_TOO_LARGE, declared or streamed', async () => {
    const big = JSON.stringify({ message: 'x'.repeat(maxBodyBytes) });
    const json = { 'content-type': 'application/json' };
    await expectError(
      await api.call('POST', streamPath(), {
        headers: { ...json, 'content-length': String(big.length) },
        body: big,
      }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    await expectError(
      await api.call('POST', streamPath(), { headers: json, body: big }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
    const streamed = await server.app.request(streamPath(), {
      method: 'POST',
      headers: json,
      body: streamedBody(maxBodyBytes * 4),
      duplex: 'half',
    } as RequestInit);
    await expectError(streamed, 413, 'PAYLOAD_TOO_LARGE');
    await expectError(
      await api.call('PATCH', titlePath(), { headers: json, body: JSON.stringify({ title: big }) }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('answers an oversized body over a real connection with 413, with or without content-length', async () => {
    const url = `${server.baseUrl}${streamPath()}`;
    const headers = { 'content-type': 'application/json' };
    const declared = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ message: 'x'.repeat(maxBodyBytes * 2) }),
    });
    await expectError(declared, 413, 'PAYLOAD_TOO_LARGE');
    const chunked = await fetch(url, {
      method: 'POST',
      headers,
      body: streamedBody(maxBodyBytes * 2),
      duplex: 'half',
    } as RequestInit);
    await expectError(chunked, 413, 'PAYLOAD_TOO_LARGE');
    assert.equal((await fetch(`${server.baseUrl}/health`)).status, 200);
  });

  it('answers a message over MAX_MESSAGE_CHARS with 413 MESSAGE_TOO_LARGE in both body shapes', async () => {
    const long = 'y'.repeat(maxMessageChars + 1);
    await expectError(await postStream({ message: long }), 413, 'MESSAGE_TOO_LARGE');
    const half = 'z'.repeat(maxMessageChars / 2 + 1);
    const twoParts = [
      { type: 'text', text: half },
      { type: 'text', text: half },
    ];
    await expectError(
      await postStream(transport([userMessage(twoParts)])),
      413,
      'MESSAGE_TOO_LARGE',
    );
    const atLimit = `${'w'.repeat(maxMessageChars - 14)}[demo:words=2]`;
    await readTurnStream(await postStream({ message: atLimit }));
  });

  it('answers a blank message or a body without one with 422 VALIDATION_FAILED', async () => {
    const empty = [
      { message: '  \n\t ' },
      transport([userMessage([{ type: 'text', text: '' }])]),
      transport([userMessage([])]),
      null,
      [],
      'hello',
    ];
    for (const json of empty) await expectError(await postStream(json), 422, 'VALIDATION_FAILED');
    await expectError(await api.call('POST', streamPath()), 422, 'VALIDATION_FAILED');
  });

  it('answers a regenerate with nothing to answer with 409, and of an unknown message with 404', async () => {
    const empty = await api.createSession();
    const postTo = (json: unknown) =>
      api.call('POST', `/api/chat/sessions/${empty}/stream`, { json });
    // (A transport regenerate whose last message is the user's sends it when it is not stored.)
    const regenerate = transport(
      [userMessage([{ type: 'text', text: 'x' }], 'assistant')],
      'regenerate-message',
    );
    for (const json of [{ message: '' }, {}, regenerate]) {
      await expectError(await postTo(json), 409, 'NOTHING_TO_REGENERATE');
    }
    const edit = transport([userMessage([{ type: 'text', text: 'edited' }], 'user', 'missing')]);
    for (const json of [
      { message: '', message_id: 'missing' },
      { ...regenerate, messageId: 'missing' },
      { ...edit, messageId: 'missing' },
    ]) {
      await expectError(await postTo(json), 404, 'MESSAGE_NOT_FOUND');
    }
    assert.equal(await server.runtime.api.registry.getActiveTurn(empty), null);
  });

  it('answers wrong field types with 422 VALIDATION_FAILED and details', async () => {
    const wrong = [
      { message: 42 },
      { message: 'hi', is_user_message: 'yes' },
      { message: 'hi', file_ids: 'file-1' },
      { message: 'hi', context: 'page' },
      { message: 'hi', message_id: '../etc/passwd' },
      // Ids are looked up in Postgres, which refuses NUL in text: a 422, never a 500.
      {
        ...transport([userMessage([{ type: 'text', text: 'x' }])], 'regenerate-message'),
        messageId: 'a\u0000b',
      },
      { ...transport([userMessage([{ type: 'text', text: 'x' }])]), messageId: 'é\ud800' },
      { messages: 'hi' },
      { messages: [{ id: 7, role: 'user', parts: [] }] },
      { messages: [{ id: 'm1', role: 'robot', parts: [] }] },
    ];
    for (const json of wrong) {
      const body = await expectError(await postStream(json), 422, 'VALIDATION_FAILED');
      assert.ok(Array.isArray(body.error.details), JSON.stringify(body));
      const details = body.error.details as { path: unknown; message: unknown }[];
      assert.ok(details.length > 0);
      assert.ok(details.every((d) => typeof d.path === 'string' && typeof d.message === 'string'));
    }
  });

  it('refuses transport bodies it cannot answer with 422 VALIDATION_FAILED', async () => {
    const refused = [
      transport([]),
      transport([userMessage([{ type: 'text', text: 'hi' }], 'assistant')]),
      transport([
        userMessage([{ type: 'text', text: 'hi' }]),
        userMessage([{ type: 'text', text: 'answer' }], 'assistant', 'm2'),
      ]),
      transport([userMessage([{ type: 'file', url: 'https://x/y.png', mediaType: 'image/png' }])]),
      transport([userMessage([{ type: 'text', text: 42 }])]),
      { ...transport([userMessage([{ type: 'text', text: 'edited' }])]), messageId: 'm0' },
      transport([userMessage([{ type: 'text', text: 'hi' }])], 'explode'),
    ];
    for (const json of refused) await expectError(await postStream(json), 422, 'VALIDATION_FAILED');
    assert.equal(await server.runtime.api.registry.getActiveTurn(sessionId), null);
  });

  it('answers bad paging parameters with 422 VALIDATION_FAILED', async () => {
    const visitor = visitorCookieHeader(visitorKeyA);
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=1.5',
      'offset=-1',
      'offset=x',
    ]) {
      const body = await expectError(
        await api.call('GET', `/api/chat/sessions?${query}`, { headers: visitor }),
        422,
        'VALIDATION_FAILED',
      );
      assert.ok(Array.isArray(body.error.details), query);
    }
    assert.equal(
      (await api.call('GET', '/api/chat/sessions?limit=100&offset=0', { headers: visitor })).status,
      200,
    );
  });

  it('answers unknown and odd session ids with 404 SESSION_NOT_FOUND on every session route', async () => {
    const oddIds = [
      crypto.randomUUID(),
      '..%2Fx',
      '..%2F..%2Fetc%2Fpasswd',
      'a'.repeat(129),
      'x'.repeat(5000),
      'h%C3%A9llo',
      '%F0%9F%98%80',
      'a%20b',
      '%00',
      '%27%3B%20DROP%20TABLE%20sessions%3B--',
      '%E0%A4%A',
      '%ZZ',
    ];
    for (const id of oddIds) {
      const base = `/api/chat/sessions/${id}`;
      const calls: [string, string, unknown][] = [
        ['GET', base, undefined],
        ['PATCH', `${base}/title`, { title: 'new' }],
        ['DELETE', base, undefined],
        ['POST', `${base}/stream`, { message: 'hi' }],
        ['GET', `${base}/stream`, undefined],
        ['POST', `${base}/cancel`, undefined],
      ];
      for (const [method, path, json] of calls) {
        const response = await api.call(method, path, json === undefined ? {} : { json });
        await expectError(response, 404, 'SESSION_NOT_FOUND');
      }
    }
  });
});
