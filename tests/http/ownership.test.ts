import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import {
  expiredTokenFor,
  testJwtSecret,
  tokenFor,
  tokenWithoutSubject,
  tokenWithWrongSecret,
  userA,
  userB,
} from '../support/tokens.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { answerText, readTurnStream, wordCount } from './sse-events.ts';

interface SessionRoute {
  name: string;
  method: string;
  path: (id: string) => string;
  json?: unknown;
}

const sessionRoutes: SessionRoute[] = [
  { name: 'get', method: 'GET', path: (id) => `/api/chat/sessions/${id}` },
  {
    name: 'rename',
    method: 'PATCH',
    path: (id) => `/api/chat/sessions/${id}/title`,
    json: { title: 'taken over' },
  },
  { name: 'delete', method: 'DELETE', path: (id) => `/api/chat/sessions/${id}` },
  { name: 'assign-user', method: 'PATCH', path: (id) => `/api/chat/sessions/${id}/assign-user` },
  {
    name: 'stream POST',
    method: 'POST',
    path: (id) => `/api/chat/sessions/${id}/stream`,
    json: { message: 'hello [demo:words=2]' },
  },
  { name: 'stream GET', method: 'GET', path: (id) => `/api/chat/sessions/${id}/stream` },
  { name: 'cancel', method: 'POST', path: (id) => `/api/chat/sessions/${id}/cancel` },
];

const routeNamed = (name: string): SessionRoute => {
  const route = sessionRoutes.find((candidate) => candidate.name === name);
  assert.ok(route, name);
  return route;
};

// ALLOW_ANONYMOUS on: the seed's flow, where sessions created without a token are claimed later.
// Without it every tokenless request is refused (tests/http/access-matrix.test.ts).
describe('ownership with bearer auth on and ALLOW_ANONYMOUS on', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  const tokens: Record<string, string> = {};
  /** Callers whose every request must be refused with 401, whatever it asks for. */
  const badHeaders: Record<string, string>[] = [];

  before(async () => {
    server = await startTestServer({
      JWT_SECRET: testJwtSecret,
      ALLOW_ANONYMOUS: 'true',
      DEMO_SLOW_SILENCE_MS: '300',
    });
    api = createApiClient(server);
    tokens.a = await tokenFor(userA);
    tokens.b = await tokenFor(userB);
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    badHeaders.push(
      bearer(await tokenWithWrongSecret(userA)),
      bearer(await expiredTokenFor(userA)),
      bearer(await tokenWithoutSubject()),
      bearer('garbage'),
      bearer(`${tokens.a}x`),
      { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      { authorization: 'Bearer' },
    );
  });
  after(() => server.close());

  const tokenOf = (caller: 'a' | 'b') => tokens[caller] as string;
  const call = (route: SessionRoute, id: string, token?: string) =>
    api.call(route.method, route.path(id), {
      ...(token === undefined ? {} : { token }),
      ...(route.json === undefined ? {} : { json: route.json }),
    });
  const snapshot = async (response: Response) => ({
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await response.text(),
  });
  const ownerOf = async (id: string) => (await server.runtime.api.store.getSession(id))?.userId;

  it('never refuses probes and scrapers, at the root or under /api/chat, with no or a bad token', async () => {
    const probes = ['/health', '/ready', '/metrics', '/openapi.json'];
    const paths = [...probes, ...probes.map((path) => `/api/chat${path}`), '/api/chat/config/ttl'];
    for (const path of paths) {
      for (const headers of [{} as Record<string, string>, ...badHeaders]) {
        const response = await server.app.request(path, { headers });
        assert.equal(response.status, 200, `${path} with ${headers.authorization ?? 'no token'}`);
      }
    }
  });

  it('gives the owner 2xx on every route of their session', async () => {
    const token = tokenOf('a');
    const id = await api.createSession(token);
    assert.equal(await ownerOf(id), userA);
    const expected: Record<string, number> = {
      get: 200,
      rename: 200,
      'assign-user': 200,
      'stream POST': 200,
      'stream GET': 204,
      cancel: 200,
      delete: 204,
    };
    for (const [name, status] of Object.entries(expected)) {
      const response = await call(routeNamed(name), id, token);
      assert.equal(response.status, status, `${name}: ${response.status}`);
      if (name === 'stream POST') await readTurnStream(response);
      else await response.text();
    }
    assert.equal(await server.runtime.api.store.getSession(id), null);
  });

  it('answers another user on every route of a session exactly like a missing one', async () => {
    const id = await api.createSession(tokenOf('a'));
    for (const route of sessionRoutes) {
      const foreign = await snapshot(await call(route, id, tokenOf('b')));
      const missing = await snapshot(await call(route, crypto.randomUUID(), tokenOf('b')));
      assert.deepEqual(foreign, missing, route.name);
      assert.equal(foreign.status, 404);
      assert.equal(JSON.parse(foreign.body).error.code, 'SESSION_NOT_FOUND');
    }
    const untouched = await expectJson<SessionDetail>(
      await call(routeNamed('get'), id, tokenOf('a')),
    );
    assert.equal(untouched.user_id, userA);
    assert.equal(untouched.title, null);
    assert.deepEqual(untouched.messages, []);
  });

  it("another user can neither see, join nor stop the owner's running turn", async () => {
    const id = await api.createSession(tokenOf('a'));
    const running = await api.postMessage(id, 'mine [demo:slow] [demo:words=6]', {
      token: tokenOf('a'),
    });
    await api.waitForRunningTurn(id);
    for (const name of ['stream GET', 'cancel', 'stream POST', 'get']) {
      const foreign = await snapshot(await call(routeNamed(name), id, tokenOf('b')));
      const missing = await snapshot(
        await call(routeNamed(name), crypto.randomUUID(), tokenOf('b')),
      );
      assert.deepEqual(foreign, missing, name);
    }
    const stream = await readTurnStream(running);
    assert.equal(stream.chunks.at(-1)?.type, 'finish');
    assert.equal(wordCount(answerText(stream.chunks)), 6);
  });

  it('refuses bad, expired and subject-less tokens with 401 UNAUTHENTICATED on every route', async () => {
    const owned = await api.createSession(tokenOf('a'));
    const anonymous = await api.createSession();
    const collection = [
      { method: 'GET', path: '/api/chat/sessions' },
      { method: 'POST', path: '/api/chat/sessions' },
    ];
    for (const headers of badHeaders) {
      for (const { method, path } of collection) {
        await expectError(await api.call(method, path, { headers }), 401, 'UNAUTHENTICATED');
      }
      for (const id of [owned, anonymous, crypto.randomUUID()]) {
        for (const route of sessionRoutes) {
          const response = await api.call(route.method, route.path(id), {
            headers,
            ...(route.json === undefined ? {} : { json: route.json }),
          });
          await expectError(response, 401, 'UNAUTHENTICATED');
        }
      }
    }
    assert.equal(await ownerOf(owned), userA);
    assert.equal(await ownerOf(anonymous), null);
    assert.deepEqual(await server.runtime.api.store.listMessages(anonymous), []);
  });

  it('refuses an anonymous caller with 401 on list, rename, delete and assign-user', async () => {
    const owned = await api.createSession(tokenOf('a'));
    const anonymous = await api.createSession();
    await expectError(await api.call('GET', '/api/chat/sessions'), 401, 'UNAUTHENTICATED');
    for (const name of ['rename', 'delete', 'assign-user']) {
      for (const id of [owned, anonymous]) {
        await expectError(await call(routeNamed(name), id), 401, 'UNAUTHENTICATED');
      }
    }
    assert.equal(await ownerOf(owned), userA);
    assert.equal(await ownerOf(anonymous), null);
  });

  it("gives an anonymous caller 404 on a user's session and 2xx on an anonymous one", async () => {
    const owned = await api.createSession(tokenOf('a'));
    const created = await expectJson<{ id: string; user_id: string | null }>(
      await api.call('POST', '/api/chat/sessions'),
    );
    assert.equal(created.user_id, null);
    const anonymous = created.id;
    for (const name of ['get', 'stream POST', 'stream GET', 'cancel']) {
      const foreign = await snapshot(await call(routeNamed(name), owned));
      const missing = await snapshot(await call(routeNamed(name), crypto.randomUUID()));
      assert.deepEqual(foreign, missing, name);
      assert.equal(foreign.status, 404, name);
    }
    assert.equal((await call(routeNamed('get'), anonymous)).status, 200);
    await readTurnStream(await call(routeNamed('stream POST'), anonymous));
    assert.equal((await call(routeNamed('stream GET'), anonymous)).status, 204);
    assert.equal((await call(routeNamed('cancel'), anonymous)).status, 200);
    const detail = await expectJson<SessionDetail>(await call(routeNamed('get'), anonymous));
    assert.equal(detail.messages.length, 2);
  });

  it("lists only the caller's own sessions", async () => {
    const listOwner = `lister-${crypto.randomUUID()}`;
    const token = await tokenFor(listOwner);
    const mine = [await api.createSession(token), await api.createSession(token)];
    await api.createSession();
    await api.createSession(tokenOf('b'));
    const listed = await expectJson<{ sessions: { id: string }[]; total: number }>(
      await api.call('GET', '/api/chat/sessions', { token }),
    );
    assert.equal(listed.total, 2);
    assert.deepEqual(listed.sessions.map((session) => session.id).sort(), mine.sort());
    const listedB = await expectJson<{ sessions: { id: string }[] }>(
      await api.call('GET', '/api/chat/sessions', { token: tokenOf('b') }),
    );
    for (const session of listedB.sessions) assert.equal(await ownerOf(session.id), userB);
  });

  it('assign-user lets a user claim an anonymous session, which is then theirs alone', async () => {
    const id = await api.createSession();
    const assign = routeNamed('assign-user');
    assert.deepEqual(await expectJson(await call(assign, id, tokenOf('a'))), {
      status: 'ok',
      user_id: userA,
    });
    assert.equal(await ownerOf(id), userA);
    assert.deepEqual(await expectJson(await call(assign, id, tokenOf('a'))), {
      status: 'ok',
      user_id: userA,
    });
    for (const token of [tokenOf('b'), undefined]) {
      const get = await call(routeNamed('get'), id, token);
      await expectError(get, 404, 'SESSION_NOT_FOUND');
    }
    await expectError(await call(assign, id, tokenOf('b')), 404, 'SESSION_NOT_FOUND');
    await expectError(
      await call(assign, crypto.randomUUID(), tokenOf('a')),
      404,
      'SESSION_NOT_FOUND',
    );
    assert.equal(await ownerOf(id), userA, 'an owned session is never re-assigned');
  });

  it('a claimed session refuses the anonymous caller who used it before', async () => {
    const id = await api.createSession();
    // The anonymous caller's turn makes this process remember the session as unowned.
    await readTurnStream(await call(routeNamed('stream POST'), id));
    await expectJson(await call(routeNamed('assign-user'), id, tokenOf('a')));
    await expectError(await call(routeNamed('stream POST'), id), 404, 'SESSION_NOT_FOUND');
    await expectError(
      await call(routeNamed('stream POST'), id, tokenOf('b')),
      404,
      'SESSION_NOT_FOUND',
    );
    await readTurnStream(await call(routeNamed('stream POST'), id, tokenOf('a')));
    const detail = await expectJson<SessionDetail>(await call(routeNamed('get'), id, tokenOf('a')));
    assert.equal(detail.messages.length, 4);
  });

  it('a session deleted behind the API refuses a turn although its owner was remembered', async () => {
    const token = tokenOf('a');
    const id = await api.createSession(token);
    await readTurnStream(await call(routeNamed('stream POST'), id, token));
    // As another API process would: this one still remembers the session's owner.
    assert.equal(await server.runtime.api.store.deleteSession(id), true);
    await expectError(await call(routeNamed('stream POST'), id, token), 404, 'SESSION_NOT_FOUND');
    assert.equal(await server.runtime.api.registry.getActiveTurn(id), null);
    assert.deepEqual(await server.runtime.api.store.listMessages(id), []);
  });

  it('two users racing to claim one anonymous session: exactly one wins, the other sees 404', async () => {
    const assign = routeNamed('assign-user');
    for (let round = 0; round < 20; round += 1) {
      const id = await api.createSession();
      const delay = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      const [claimA, claimB] = await Promise.all([
        delay().then(() => call(assign, id, tokenOf('a'))),
        delay().then(() => call(assign, id, tokenOf('b'))),
      ]);
      const statuses = [claimA.status, claimB.status].sort();
      assert.deepEqual(statuses, [200, 404], `round ${round}`);
      const winner = claimA.status === 200 ? userA : userB;
      assert.equal(await ownerOf(id), winner);
      const loser = claimA.status === 200 ? claimB : claimA;
      await expectError(loser, 404, 'SESSION_NOT_FOUND');
      await claimA.text().catch(() => undefined);
      await claimB.text().catch(() => undefined);
    }
  });
});
