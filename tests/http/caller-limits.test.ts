import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startFakeOpenAiServer } from '../support/fake-openai-server.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { answerText, readTurnStream, wordCount } from './sse-events.ts';

describe('per-caller session creation rate', () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({
      JWT_SECRET: testJwtSecret,
      // Callers without a token may create sessions, so they can be counted by address.
      ALLOW_ANONYMOUS: 'true',
      SESSION_CREATE_BURST: '3',
      SESSION_CREATE_PER_MINUTE: '2',
    });
    api = createApiClient(server);
  });
  after(() => server.close());

  it('lets a user create its burst of sessions, then answers 429 RATE_LIMITED with Retry-After', async () => {
    const token = await tokenFor(userA);
    for (let index = 0; index < 3; index += 1) await api.createSession(token);
    const refused = await api.call('POST', '/api/chat/sessions', { token });
    assert.equal(refused.headers.get('retry-after'), '30');
    await expectError(refused, 429, 'RATE_LIMITED');
    const { total } = await expectJson<{ total: number }>(
      await api.call('GET', '/api/chat/sessions', { token }),
    );
    assert.equal(total, 3, 'the refused request created nothing');
  });

  it("counts each user apart: another user's sessions are not refused", async () => {
    await api.createSession(await tokenFor(userB));
  });

  it('counts anonymous callers by their socket address, ignoring X-Forwarded-For by default', async () => {
    const create = (headers: Record<string, string> = {}) =>
      fetch(`${server.baseUrl}/api/chat/sessions`, { method: 'POST', headers });
    for (let index = 0; index < 3; index += 1) assert.equal((await create()).status, 200);
    const refused = await create();
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    // Without TRUST_PROXY_HOPS, X-Forwarded-For is the client's word and changes nothing.
    assert.equal((await create({ 'x-forwarded-for': '203.0.113.7' })).status, 429);
  });
});

describe('per-caller session creation rate in anonymous mode', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ SESSION_CREATE_BURST: '2', SESSION_CREATE_PER_MINUTE: '1' });
  });
  after(() => server.close());

  it('counts visitors by their address: a freshly minted visitor key is no fresh quota', async () => {
    const createAsNewVisitor = () =>
      fetch(`${server.baseUrl}/api/chat/sessions`, {
        method: 'POST',
        headers: { cookie: `durable_chat_visitor=${randomBytes(32).toString('base64url')}` },
      });
    assert.equal((await createAsNewVisitor()).status, 200);
    assert.equal((await createAsNewVisitor()).status, 200);
    await expectError(await createAsNewVisitor(), 429, 'RATE_LIMITED');
  });
});

describe('the limits in the API description', () => {
  it('names 429 with Retry-After and 408, with their stable codes', async () => {
    const server = await startTestServer();
    try {
      const document = await expectJson<{
        paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;
        components: { 'x-error-codes': Record<string, { status: number }> };
      }>(await createApiClient(server).call('GET', '/openapi.json'));
      const codes = document.components['x-error-codes'];
      assert.equal(codes.RATE_LIMITED?.status, 429);
      assert.equal(codes.TOO_MANY_STREAMS?.status, 429);
      assert.equal(codes.REQUEST_TIMEOUT?.status, 408);
      const stream = document.paths['/api/chat/sessions/{id}/stream'];
      assert.ok(stream?.post?.responses['429']?.headers, 'POST …/stream names Retry-After');
      assert.ok(stream.post.responses['408']);
      assert.ok(stream.get?.responses['429']);
      assert.ok(document.paths['/api/chat/sessions']?.post?.responses['429']?.headers);
    } finally {
      await server.close();
    }
  });
});

describe('per-caller limits behind a trusted proxy (TRUST_PROXY_HOPS=1)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      SESSION_CREATE_BURST: '1',
      SESSION_CREATE_PER_MINUTE: '1',
      TRUST_PROXY_HOPS: '1',
    });
  });
  after(() => server.close());

  it('counts callers by the address the proxy added, not by what the client wrote before it', async () => {
    const create = (forwardedFor: string) =>
      fetch(`${server.baseUrl}/api/chat/sessions`, {
        method: 'POST',
        headers: { 'x-forwarded-for': forwardedFor },
      });
    assert.equal((await create('198.51.100.1')).status, 200);
    assert.equal((await create('198.51.100.2')).status, 200);
    assert.equal((await create('198.51.100.1')).status, 429);
    // A client that prepends a made-up address is still the address its proxy saw.
    assert.equal((await create('192.0.2.99, 198.51.100.2')).status, 429);
  });
});

describe('per-caller concurrent streams', () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({
      JWT_SECRET: testJwtSecret,
      MAX_STREAMS_PER_CALLER: '2',
      // Answers that run until the test has seen what it needs (cancelled at the end).
      DEMO_TOKEN_DELAY_MS: '50',
      DEMO_ANSWER_WORDS: '2000',
    });
    api = createApiClient(server);
  });
  after(() => server.close());

  it('refuses a third stream with 429 TOO_MANY_STREAMS and starts no turn; a closed stream frees its slot', async () => {
    const token = await tokenFor(userA);
    const sessions = [
      await api.createSession(token),
      await api.createSession(token),
      await api.createSession(token),
    ];
    const [first, second, third] = sessions as [string, string, string];
    const open = [
      await api.postMessage(first, 'one', { token }),
      await api.postMessage(second, 'two', { token }),
    ];
    for (const response of open) assert.equal(response.status, 200);

    const refused = await api.postMessage(third, 'three', { token });
    assert.equal(refused.headers.get('retry-after'), '5');
    await expectError(refused, 429, 'TOO_MANY_STREAMS');
    const untouched = await expectJson<SessionDetail>(
      await api.call('GET', `/api/chat/sessions/${third}`, { token }),
    );
    assert.deepEqual(untouched.messages, []);
    assert.equal(untouched.active_stream, null);

    // Re-attaching is a stream too; asking when nothing runs holds nothing and is answered.
    await expectError(
      await api.call('GET', `/api/chat/sessions/${first}/stream`, { token }),
      429,
      'TOO_MANY_STREAMS',
    );
    assert.equal(
      (await api.call('GET', `/api/chat/sessions/${third}/stream`, { token })).status,
      204,
    );
    // Another user has slots of its own.
    const other = await tokenFor(userB);
    const otherStream = await api.postMessage(await api.createSession(other), 'hi', {
      token: other,
    });
    assert.equal(otherStream.status, 200);

    await open[0]?.body?.cancel();
    const now = await api.postMessage(third, 'three', { token });
    assert.equal(now.status, 200);

    for (const response of [open[1], now, otherStream]) await response?.body?.cancel();
    for (const sessionId of [first, second, third]) {
      await api.call('POST', `/api/chat/sessions/${sessionId}/cancel`, { token });
    }
  });
});

describe('per-caller concurrent streams over real connections', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      MAX_STREAMS_PER_CALLER: '1',
      DEMO_TOKEN_DELAY_MS: '50',
      DEMO_ANSWER_WORDS: '2000',
    });
  });
  after(() => server.close());

  it('frees the slot of a client that drops its connection, while its turn goes on', async () => {
    const create = async () => {
      const response = await fetch(`${server.baseUrl}/api/chat/sessions`, { method: 'POST' });
      return ((await response.json()) as { id: string }).id;
    };
    const post = (sessionId: string, signal?: AbortSignal) =>
      fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'hi' }),
        ...(signal ? { signal } : {}),
      });
    const [first, second] = [await create(), await create()];
    const dropped = new AbortController();
    assert.equal((await post(first, dropped.signal)).status, 200);
    const refused = await post(second);
    await expectError(refused, 429, 'TOO_MANY_STREAMS');

    dropped.abort();
    let answered: Response | undefined;
    await waitFor(
      async () => {
        const attempt = await post(second);
        if (attempt.status === 200) answered = attempt;
        else await attempt.body?.cancel();
        return answered !== undefined;
      },
      { message: 'the dropped stream frees its slot' },
    );
    await answered?.body?.cancel();
    // A disconnect is never a cancel (invariant 6): the first turn still runs.
    assert.notEqual(await server.runtime.api.registry.getActiveTurn(first), null);
  });
});

describe('MAX_OUTPUT_TOKENS', () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({ MAX_OUTPUT_TOKENS: '5', DEMO_ANSWER_WORDS: '40' });
    api = createApiClient(server);
  });
  after(() => server.close());

  it('cuts an answer at the cap and ends the turn normally with finish reason length', async () => {
    const sessionId = await api.createSession();
    const stream = await readTurnStream(await api.postMessage(sessionId, 'tell me everything'));
    assert.equal(wordCount(answerText(stream.chunks)), 5);
    const finish = stream.chunks.at(-1);
    assert.equal(finish?.type, 'finish');
    assert.equal(finish.type === 'finish' ? finish.finishReason : undefined, 'length');
    assert.equal(
      stream.chunks.some((chunk) => chunk.type === 'error'),
      false,
    );
    const session = await expectJson<SessionDetail>(
      await api.call('GET', `/api/chat/sessions/${sessionId}`),
    );
    const answer = session.messages.at(-1);
    assert.equal(answer?.role, 'assistant');
    assert.equal((answer?.metadata as { finishReason?: string }).finishReason, 'length');
  });

  it('sends the cap to an OpenAI-compatible endpoint as max_tokens, and its finish reason length reaches the client', async () => {
    const fake = await startFakeOpenAiServer();
    const upstream = await startTestServer({
      OPENAI_BASE_URL: `${fake.url}/v1`,
      MODEL: 'fake-model',
      MAX_OUTPUT_TOKENS: '3',
    });
    try {
      fake.enqueue({ type: 'text', deltas: ['One', ' two', ' three'], finishReason: 'length' });
      const upstreamApi = createApiClient(upstream);
      const sessionId = await upstreamApi.createSession();
      const stream = await readTurnStream(await upstreamApi.postMessage(sessionId, 'go on'));
      assert.equal((fake.requests[0] as { max_tokens?: number }).max_tokens, 3);
      assert.equal(answerText(stream.chunks), 'One two three');
      const finish = stream.chunks.at(-1);
      assert.equal(finish?.type === 'finish' ? finish.finishReason : undefined, 'length');
    } finally {
      await upstream.close();
      await fake.close();
    }
  });
});
