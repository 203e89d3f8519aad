import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DurableChatApiError,
  DurableChatClient,
  type ResumableTurnStream,
} from '../../src/client/index.ts';
import * as schemas from '../../src/protocol/http-schemas.ts';
import { visitorUserId } from '../../src/api/visitor-key.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';
import { visitorCookieHeader, visitorKeyFor } from '../support/visitor-keys.ts';
import { waitFor } from '../support/wait-for.ts';

async function textOf(stream: ResumableTurnStream): Promise<string> {
  let text = '';
  for await (const { chunk } of stream) if (chunk.type === 'text-delta') text += chunk.delta;
  return text;
}

async function rejectsWithApiError(
  promise: Promise<unknown>,
  expected: { status: number; code: string },
): Promise<DurableChatApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DurableChatApiError, `expected a DurableChatApiError: ${error}`);
    assert.equal(error.status, expected.status);
    assert.equal(error.code, expected.code);
    assert.ok(error.message.length > 0);
    return error;
  }
  assert.fail(`expected ${expected.code}, the call succeeded`);
}

describe('DurableChatClient: typed calls for every route (anonymous server)', () => {
  let server: TestServer;
  let client: DurableChatClient;
  // A browser's visitor cookie: listing in anonymous mode needs an identity.
  const visitorKey = visitorKeyFor('typed-calls');
  before(async () => {
    server = await startTestServer();
    client = new DurableChatClient({
      baseUrl: `${server.baseUrl}/`,
      headers: visitorCookieHeader(visitorKey),
    });
  });
  after(() => server.close());

  it('creates, lists, reads, renames and deletes sessions; every answer matches its schema', async () => {
    const created = await client.createSession();
    schemas.createSessionResponseSchema.parse(created);
    assert.equal(created.user_id, visitorUserId(visitorKey));

    const stream = await client.sendMessage(created.id, 'Hello client');
    assert.match(await textOf(stream), /Hello client/);

    const detail = await client.getSession(created.id);
    schemas.sessionDetailSchema.parse(detail);
    assert.deepEqual(
      detail.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.equal(detail.active_stream, null);
    assert.equal(detail.title, 'Hello client');

    const renamed = await client.renameSession(created.id, 'Renamed');
    schemas.renameSessionResponseSchema.parse(renamed);
    assert.deepEqual(renamed, { status: 'ok', id: created.id, title: 'Renamed' });

    const second = await client.createSession();
    const listed = await client.listSessions({ limit: 1, offset: 0 });
    schemas.listSessionsResponseSchema.parse(listed);
    assert.equal(listed.sessions.length, 1);
    assert.ok(listed.total >= 2);
    const all = await client.listSessions();
    const summary = all.sessions.find((session) => session.id === created.id);
    assert.equal(summary?.title, 'Renamed');
    assert.equal(summary?.active, false);

    await client.deleteSession(second.id);
    await rejectsWithApiError(client.getSession(second.id), {
      status: 404,
      code: 'SESSION_NOT_FOUND',
    });
  });

  it('reads the TTL configuration', async () => {
    const ttl = await client.ttlConfig();
    schemas.ttlConfigResponseSchema.parse(ttl);
    assert.equal(ttl.stream_ttl_seconds, 3600);
    assert.equal(ttl.stream_ttl_ms, 3_600_000);
  });

  it('cancels a running turn: the reader ends with an abort chunk and the call resolves', async () => {
    const { id } = await client.createSession();
    const stream = await client.sendMessage(id, 'A long answer please [demo:slow]');
    const chunkTypes: string[] = [];
    const reading = (async () => {
      for await (const { chunk } of stream) chunkTypes.push(chunk.type);
    })();
    await waitFor(() => chunkTypes.includes('text-delta'));
    assert.equal((await client.listSessions()).sessions.find((s) => s.id === id)?.active, true);
    const cancelled = await client.cancelTurn(id);
    schemas.cancelResponseSchema.parse(cancelled);
    assert.equal(cancelled.cancelled, true);
    await reading;
    assert.equal(chunkTypes.at(-1), 'abort');
    assert.deepEqual(await client.cancelTurn(id), {
      cancelled: true,
      reason: 'no_active_session',
    });
  });

  it('turns every refusal into a DurableChatApiError with the server code and details', async () => {
    await rejectsWithApiError(client.getSession('no-such-session'), {
      status: 404,
      code: 'SESSION_NOT_FOUND',
    });
    await rejectsWithApiError(client.cancelTurn('no-such-session'), {
      status: 404,
      code: 'SESSION_NOT_FOUND',
    });
    await rejectsWithApiError(client.sendMessage('no-such-session', 'hi'), {
      status: 404,
      code: 'SESSION_NOT_FOUND',
    });
    const { id } = await client.createSession();
    const blank = await rejectsWithApiError(client.renameSession(id, '   '), {
      status: 422,
      code: 'VALIDATION_FAILED',
    });
    assert.ok(Array.isArray(blank.details), 'validation details come through');
    await rejectsWithApiError(client.listSessions({ limit: 1000 }), {
      status: 422,
      code: 'VALIDATION_FAILED',
    });
    await rejectsWithApiError(client.assignUser(id), { status: 401, code: 'UNAUTHENTICATED' });
  });

  it('with multitask reject, a second message while a turn runs is a 409 TURN_ALREADY_ACTIVE naming the running turn', async () => {
    const { id } = await client.createSession();
    const running = await client.sendMessage(id, 'first [demo:slow]');
    const refused = await rejectsWithApiError(
      client.sendMessage(id, 'second', { multitask: 'reject' }),
      {
        status: 409,
        code: 'TURN_ALREADY_ACTIVE',
      },
    );
    const detail = await client.getSession(id);
    assert.deepEqual(refused.details, { turn_id: detail.active_stream?.turn_id });
    await client.cancelTurn(id);
    await textOf(running);
  });

  it('a resume cursor of another turn is a 409 CURSOR_OUT_OF_RANGE, never a silent replay', async () => {
    const { id } = await client.createSession();
    const running = await client.sendMessage(id, 'first [demo:slow]');
    await rejectsWithApiError(client.resumeTurn(id, { after: 'some-other-turn:3' }), {
      status: 409,
      code: 'CURSOR_OUT_OF_RANGE',
    });
    await rejectsWithApiError(client.resumeTurn(id, { after: { turnId: 'x', position: 1 } }), {
      status: 409,
      code: 'CURSOR_OUT_OF_RANGE',
    });
    await client.cancelTurn(id);
    await textOf(running);
  });

  it('keeps network failures distinguishable from API errors', async () => {
    const unreachable = new DurableChatClient({ baseUrl: 'http://127.0.0.1:9' });
    await assert.rejects(unreachable.listSessions(), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.ok(!(error instanceof DurableChatApiError));
      return true;
    });
  });

  it('a body that is not the API error shape still becomes a DurableChatApiError', async () => {
    const proxied = new DurableChatClient({
      baseUrl: server.baseUrl,
      fetch: async () => new Response('<html>Bad gateway</html>', { status: 502 }),
    });
    const error = await rejectsWithApiError(proxied.ttlConfig(), {
      status: 502,
      code: 'HTTP_502',
    });
    assert.match(error.message, /Bad gateway/);
  });
});

describe('DurableChatClient with bearer auth on and ALLOW_ANONYMOUS on', () => {
  let server: TestServer;
  before(async () => {
    // ALLOW_ANONYMOUS: the seed's flow, a session started without a token and claimed later.
    server = await startTestServer({ JWT_SECRET: testJwtSecret, ALLOW_ANONYMOUS: 'true' });
  });
  after(() => server.close());

  it('sends the token from a string or a function on every call, and 401s without one', async () => {
    const tokenA = await tokenFor(userA);
    let asked = 0;
    const alice = new DurableChatClient({
      baseUrl: server.baseUrl,
      token: async () => {
        asked += 1;
        return tokenA;
      },
    });
    const created = await alice.createSession();
    assert.equal(created.user_id, userA);
    await alice.listSessions();
    assert.equal(asked, 2, 'the token function is asked before every request');

    const anonymous = new DurableChatClient({ baseUrl: server.baseUrl, token: () => null });
    await rejectsWithApiError(anonymous.listSessions(), { status: 401, code: 'UNAUTHENTICATED' });
    const garbage = new DurableChatClient({ baseUrl: server.baseUrl, token: 'not-a-jwt' });
    await rejectsWithApiError(garbage.getSession(created.id), {
      status: 401,
      code: 'UNAUTHENTICATED',
    });

    const bob = new DurableChatClient({ baseUrl: server.baseUrl, token: await tokenFor(userB) });
    await rejectsWithApiError(bob.getSession(created.id), {
      status: 404,
      code: 'SESSION_NOT_FOUND',
    });
    await rejectsWithApiError(bob.resumeTurn(created.id), {
      status: 404,
      code: 'SESSION_NOT_FOUND',
    });
  });

  it('claims an anonymous session with assignUser', async () => {
    const anonymous = new DurableChatClient({ baseUrl: server.baseUrl });
    const created = await anonymous.createSession();
    assert.equal(created.user_id, null);
    const alice = new DurableChatClient({ baseUrl: server.baseUrl, token: await tokenFor(userA) });
    const claimed = await alice.assignUser(created.id);
    schemas.assignUserResponseSchema.parse(claimed);
    assert.deepEqual(claimed, { status: 'ok', user_id: userA });
    assert.equal((await alice.getSession(created.id)).user_id, userA);
  });
});
