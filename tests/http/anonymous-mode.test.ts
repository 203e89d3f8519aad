import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { expiredTokenFor, tokenFor, tokenWithWrongSecret, userA } from '../support/tokens.ts';
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

  /** Runs every session route once as the given caller and checks each one worked. */
  async function useEveryRoute(headers: Record<string, string>) {
    const created = await expectJson<{ id: string; user_id: string | null }>(
      await api.call('POST', '/api/chat/sessions', { headers }),
    );
    assert.equal(created.user_id, null, 'a token never makes an owner in anonymous mode');
    const id = created.id;
    const base = `/api/chat/sessions/${id}`;
    const listed = await expectJson<{ sessions: { id: string }[]; total: number }>(
      await api.call('GET', '/api/chat/sessions?limit=100', { headers }),
    );
    assert.ok(listed.sessions.some((session) => session.id === id));
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
    assert.equal(detail.user_id, null);
    assert.equal(detail.messages.length, 2);
    assert.equal((await api.call('DELETE', base, { headers })).status, 204);
    await expectError(await api.call('GET', base, { headers }), 404, 'SESSION_NOT_FOUND');
  }

  it('serves every route without a token', async () => {
    await useEveryRoute({});
  });

  it('ignores any token: valid, expired, wrongly signed or garbage', async () => {
    const tokens = [
      await tokenFor(userA),
      await expiredTokenFor(userA),
      await tokenWithWrongSecret(userA),
      'garbage',
    ];
    for (const token of tokens) await useEveryRoute({ authorization: `Bearer ${token}` });
    await useEveryRoute({ authorization: 'Basic not-even-bearer' });
  });

  it('shares every session between callers and lists them all', async () => {
    const withToken = await api.createSession(await tokenFor(userA));
    const without = await api.createSession();
    assert.equal((await api.call('GET', `/api/chat/sessions/${withToken}`)).status, 200);
    const listed = await expectJson<{ sessions: { id: string }[]; total: number }>(
      await api.call('GET', '/api/chat/sessions?limit=100'),
    );
    const ids = listed.sessions.map((session) => session.id);
    assert.ok(ids.includes(withToken) && ids.includes(without));
    assert.equal(listed.total, ids.length);
  });

  it('answers assign-user with 401 UNAUTHENTICATED: there is no user to assign to', async () => {
    const id = await api.createSession();
    for (const token of [undefined, await tokenFor(userA)]) {
      await expectError(
        await api.call('PATCH', `/api/chat/sessions/${id}/assign-user`, token ? { token } : {}),
        401,
        'UNAUTHENTICATED',
      );
    }
    assert.equal((await server.runtime.api.store.getSession(id))?.userId, null);
  });
});
