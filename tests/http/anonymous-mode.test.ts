import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { visitorUserId } from '../../src/api/visitor-key.ts';
import {
  bearer,
  expiredTokenFor,
  tokenFor,
  tokenWithWrongSecret,
  userA,
} from '../support/tokens.ts';
import {
  visitorCookieHeader,
  visitorKeyA,
  visitorKeyB,
  visitorKeyFor,
} from '../support/visitor-keys.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { readTurnStream } from './sse-events.ts';

describe('anonymous mode (no JWT_SECRET or JWKS_URL)', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer();
    api = createApiClient(server);
  });
  after(() => server.close());

  const createAs = async (headers: Record<string, string>) =>
    (await expectJson<{ id: string }>(await api.call('POST', '/api/chat/sessions', { headers })))
      .id;

  /**
   * Runs every session route once as the given caller and checks each one worked. `owner` is the
   * identity the caller's sessions get: its visitor id, or null without a visitor cookie.
   */
  async function useEveryRoute(headers: Record<string, string>, owner: string | null) {
    const created = await expectJson<{ id: string; user_id: string | null }>(
      await api.call('POST', '/api/chat/sessions', { headers }),
    );
    assert.equal(created.user_id, owner, 'a token never makes an owner in anonymous mode');
    const id = created.id;
    const base = `/api/chat/sessions/${id}`;
    const list = await api.call('GET', '/api/chat/sessions?limit=100', { headers });
    if (owner === null) {
      await expectError(list, 401, 'IDENTITY_REQUIRED');
    } else {
      const listed = await expectJson<{ sessions: { id: string }[] }>(list);
      assert.ok(listed.sessions.some((session) => session.id === id));
    }
    await readTurnStream(
      await api.call('POST', `${base}/stream`, {
        headers,
        json: { message: 'anyone there? [demo:words=3]' },
      }),
    );
    assert.equal((await api.call('GET', `${base}/stream`, { headers })).status, 204);
    assert.deepEqual(await expectJson(await api.call('POST', `${base}/cancel`, { headers })), {
      cancelled: true,
      reason: 'no_active_session',
    });
    await expectJson(
      await api.call('PATCH', `${base}/title`, { headers, json: { title: 'anonymous chat' } }),
    );
    const detail = await expectJson<SessionDetail>(await api.call('GET', base, { headers }));
    assert.equal(detail.title, 'anonymous chat');
    assert.equal(detail.user_id, owner);
    assert.equal(detail.messages.length, 2);
    assert.equal((await api.call('DELETE', base, { headers })).status, 204);
    await expectError(await api.call('GET', base, { headers }), 404, 'SESSION_NOT_FOUND');
  }

  it('serves every route but the list without a token or cookie: the id is the capability', async () => {
    await useEveryRoute({}, null);
  });

  it('serves every route to a visitor, whose sessions are its own', async () => {
    await useEveryRoute(visitorCookieHeader(visitorKeyA), visitorUserId(visitorKeyA));
  });

  it('ignores any token: valid, expired, wrongly signed or garbage', async () => {
    const tokens = [
      await tokenFor(userA),
      await expiredTokenFor(userA),
      await tokenWithWrongSecret(userA),
      'garbage',
    ];
    for (const token of tokens) {
      await useEveryRoute({ authorization: `Bearer ${token}` }, null);
      await useEveryRoute(
        { authorization: `Bearer ${token}`, ...visitorCookieHeader(visitorKeyB) },
        visitorUserId(visitorKeyB),
      );
    }
    await useEveryRoute({ authorization: 'Basic not-even-bearer' }, null);
  });

  it("lists a visitor's own sessions only, never unowned or other visitors' ones", async () => {
    const visitor = `visitor-${crypto.randomUUID()}`;
    const mine = visitorCookieHeader(visitorKeyFor(visitor));
    const own = [await createAs(mine), await createAs(mine)];
    const unowned = await createAs({});
    const foreign = await createAs(visitorCookieHeader(visitorKeyA));
    const withToken = await createAs({ authorization: `Bearer ${await tokenFor(userA)}` });
    const listed = await expectJson<{ sessions: { id: string }[]; total: number }>(
      await api.call('GET', '/api/chat/sessions?limit=100', { headers: mine }),
    );
    assert.deepEqual(listed.sessions.map((session) => session.id).sort(), own.sort());
    assert.equal(listed.total, 2);
    // Unlisted is not unreachable: an unowned session's id still opens it for anyone.
    assert.equal(
      (await api.call('GET', `/api/chat/sessions/${unowned}`, { headers: mine })).status,
      200,
    );
    assert.equal((await api.call('GET', `/api/chat/sessions/${withToken}`)).status, 200);
    await expectError(
      await api.call('GET', `/api/chat/sessions/${foreign}`, { headers: mine }),
      404,
      'SESSION_NOT_FOUND',
    );
  });

  it('answers a list without a visitor cookie with 401 IDENTITY_REQUIRED, saying how to get one', async () => {
    const callers: Record<string, string>[] = [
      {},
      { cookie: 'durable_chat_visitor=short' },
      { cookie: 'other=1' },
    ];
    for (const headers of callers) {
      const body = await expectError(
        await api.call('GET', '/api/chat/sessions', { headers }),
        401,
        'IDENTITY_REQUIRED',
      );
      assert.match(body.error.message, /web app/);
    }
  });

  it('answers assign-user with 401 UNAUTHENTICATED: there is no user to assign to', async () => {
    const id = await api.createSession();
    const callers = [{}, bearer(await tokenFor(userA)), visitorCookieHeader(visitorKeyA)];
    for (const headers of callers) {
      await expectError(
        await api.call('PATCH', `/api/chat/sessions/${id}/assign-user`, { headers }),
        401,
        'UNAUTHENTICATED',
      );
    }
    assert.equal((await server.runtime.api.store.getSession(id))?.userId, null);
  });
});
