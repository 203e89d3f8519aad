import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { visitorCookieName, visitorUserId } from '../../src/api/visitor-key.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import {
  bearer,
  testJwtSecret,
  tokenFor,
  tokenWithWrongSecret,
  userA,
  userB,
} from '../support/tokens.ts';
import { visitorCookieHeader, visitorKeyA, visitorKeyB } from '../support/visitor-keys.ts';
import { readTurnStream } from './sse-events.ts';

/**
 * Every session route × every kind of caller × whose session it is, in each access mode: the
 * status each combination gets, that a refused or foreign request changes nothing, and that a
 * foreign session answers byte for byte like a missing one.
 */

type RouteName =
  'get' | 'stream POST' | 'stream GET' | 'cancel' | 'title' | 'delete' | 'assign-user';

interface SessionRoute {
  method: string;
  path: (id: string) => string;
  json?: unknown;
  /** The status of a granted request (stream GET: nothing runs). */
  success: number;
}

const sessionRoutes: Record<RouteName, SessionRoute> = {
  get: { method: 'GET', path: (id) => `/api/chat/sessions/${id}`, success: 200 },
  'stream POST': {
    method: 'POST',
    path: (id) => `/api/chat/sessions/${id}/stream`,
    json: { message: 'hello [demo:words=2]' },
    success: 200,
  },
  'stream GET': { method: 'GET', path: (id) => `/api/chat/sessions/${id}/stream`, success: 204 },
  cancel: { method: 'POST', path: (id) => `/api/chat/sessions/${id}/cancel`, success: 200 },
  title: {
    method: 'PATCH',
    path: (id) => `/api/chat/sessions/${id}/title`,
    json: { title: 'renamed' },
    success: 200,
  },
  delete: { method: 'DELETE', path: (id) => `/api/chat/sessions/${id}`, success: 204 },
  'assign-user': {
    method: 'PATCH',
    path: (id) => `/api/chat/sessions/${id}/assign-user`,
    success: 200,
  },
};
const routeNames = Object.keys(sessionRoutes) as RouteName[];

/** Whose session a request targets, seen from the caller. */
type Target = 'own' | 'foreign' | 'unowned' | 'missing';
type Outcome = 'granted' | 'not-found' | 'unauthenticated' | 'identity-required';

interface CallerKind {
  name: string;
  headers: () => Record<string, string>;
  /** The owner id of sessions this caller creates; null: nobody owns them. */
  identity: string | null;
  /** Someone else's identity, owner of the caller's "foreign" session. */
  other: string;
}

interface AccessMode {
  name: string;
  environment: Record<string, string>;
  callers: () => CallerKind[];
  list(caller: CallerKind): Outcome;
  create(caller: CallerKind): Outcome;
  session(caller: CallerKind, route: RouteName, target: Target): Outcome;
}

const tokens: Record<string, string> = {};
const bearerOf = (user: string) => () => bearer(tokens[user] as string);

const visitorA = visitorUserId(visitorKeyA);
const visitorB = visitorUserId(visitorKeyB);

const anonymousMode: AccessMode = {
  name: 'anonymous mode (no JWT_SECRET or JWKS_URL)',
  environment: {},
  callers: () => [
    {
      name: 'visitor A',
      headers: () => visitorCookieHeader(visitorKeyA),
      identity: visitorA,
      other: visitorB,
    },
    {
      name: 'visitor B',
      headers: () => visitorCookieHeader(visitorKeyB),
      identity: visitorB,
      other: visitorA,
    },
    { name: 'no identity', headers: () => ({}), identity: null, other: visitorA },
    {
      name: 'a malformed visitor cookie',
      headers: () => ({ cookie: `${visitorCookieName}=not-a-key` }),
      identity: null,
      other: visitorA,
    },
    {
      name: 'a signed token (ignored) and no cookie',
      headers: bearerOf(userA),
      identity: null,
      other: visitorA,
    },
  ],
  list: (caller) => (caller.identity === null ? 'identity-required' : 'granted'),
  create: () => 'granted',
  session(_caller, route, target) {
    // Nobody can claim a session without sign-in; the answer does not depend on the session.
    if (route === 'assign-user') return 'unauthenticated';
    // An unowned session's id is its capability: whoever has it may use it.
    return target === 'own' || target === 'unowned' ? 'granted' : 'not-found';
  },
};

function authMode(allowAnonymous: boolean): AccessMode {
  const users = (): CallerKind[] => [
    { name: 'user A', headers: bearerOf(userA), identity: userA, other: userB },
    { name: 'user B', headers: bearerOf(userB), identity: userB, other: userA },
    { name: 'no token', headers: () => ({}), identity: null, other: userA },
    {
      name: 'a visitor cookie (ignored) and no token',
      headers: () => visitorCookieHeader(visitorKeyA),
      identity: null,
      other: userA,
    },
    { name: 'a bad token', headers: bearerOf('bad'), identity: null, other: userA },
  ];
  const isBad = (caller: CallerKind) => caller.name === 'a bad token';
  return {
    name: `auth on (JWT_SECRET) with ALLOW_ANONYMOUS ${allowAnonymous ? 'on' : 'off'}`,
    environment: { JWT_SECRET: testJwtSecret, ALLOW_ANONYMOUS: String(allowAnonymous) },
    callers: users,
    list: (caller) => (caller.identity === null ? 'unauthenticated' : 'granted'),
    create: (caller) =>
      isBad(caller) || (caller.identity === null && !allowAnonymous)
        ? 'unauthenticated'
        : 'granted',
    session(caller, route, target) {
      if (isBad(caller)) return 'unauthenticated';
      if (caller.identity === null) {
        if (!allowAnonymous) return 'unauthenticated';
        // What acts on "my sessions" needs a signed-in user, whatever the session.
        if (route === 'title' || route === 'delete' || route === 'assign-user') {
          return 'unauthenticated';
        }
      }
      return target === 'own' || target === 'unowned' ? 'granted' : 'not-found';
    },
  };
}

const modes = [anonymousMode, authMode(false), authMode(true)];

before(async () => {
  tokens[userA] = await tokenFor(userA);
  tokens[userB] = await tokenFor(userB);
  tokens.bad = await tokenWithWrongSecret(userA);
});

for (const mode of modes) {
  describe(`access in ${mode.name}`, { timeout: 120_000 }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer(mode.environment);
    });
    after(() => server.close());

    const store = () => server.runtime.api.store;
    const request = (
      method: string,
      path: string,
      headers: Record<string, string>,
      json?: unknown,
    ) =>
      server.app.request(path, {
        method,
        headers: {
          ...headers,
          ...(json === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
      });
    const snapshot = async (response: Response) => ({
      status: response.status,
      headers: [...response.headers.entries()],
      body: await response.text(),
    });
    const expectRefusal = async (response: Response, outcome: Outcome, label: string) => {
      const text = await response.text();
      const codes: Record<string, [number, string]> = {
        'not-found': [404, 'SESSION_NOT_FOUND'],
        unauthenticated: [401, 'UNAUTHENTICATED'],
        'identity-required': [401, 'IDENTITY_REQUIRED'],
      };
      const [status, code] = codes[outcome] as [number, string];
      assert.equal(response.status, status, `${label}: ${text}`);
      assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, code, label);
    };

    it('lists only the caller’s own sessions, and refuses callers without an identity', async () => {
      for (const caller of mode.callers()) {
        const label = `list as ${caller.name}`;
        // Sessions of every owner exist: the caller's, someone else's and nobody's.
        if (caller.identity !== null) await store().createSession({ userId: caller.identity });
        await store().createSession({ userId: caller.other });
        await store().createSession({ userId: null });
        const response = await request('GET', '/api/chat/sessions?limit=100', caller.headers());
        const outcome = mode.list(caller);
        if (outcome !== 'granted') {
          await expectRefusal(response, outcome, label);
          continue;
        }
        assert.equal(response.status, 200, label);
        const listed = (await response.json()) as { sessions: { id: string }[]; total: number };
        const { total } = await store().listSessions({
          userId: caller.identity,
          limit: 100,
          offset: 0,
        });
        assert.ok(listed.total > 0 && listed.total === total, label);
        for (const { id } of listed.sessions) {
          assert.equal((await store().getSession(id))?.userId, caller.identity, label);
        }
      }
    });

    it('creates sessions owned by the caller’s identity, or by nobody without one', async () => {
      for (const caller of mode.callers()) {
        const label = `create as ${caller.name}`;
        const response = await request('POST', '/api/chat/sessions', caller.headers());
        const outcome = mode.create(caller);
        if (outcome !== 'granted') {
          await expectRefusal(response, outcome, label);
          continue;
        }
        assert.equal(response.status, 200, label);
        const created = (await response.json()) as { id: string; user_id: string | null };
        assert.equal(created.user_id, caller.identity, label);
        assert.equal((await store().getSession(created.id))?.userId, caller.identity, label);
      }
    });

    for (const routeName of routeNames) {
      it(`${routeName}: granted, 404 or 401 by caller and owner; foreign answers like missing`, async () => {
        const route = sessionRoutes[routeName];
        for (const caller of mode.callers()) {
          for (const target of ['own', 'foreign', 'unowned', 'missing'] as const) {
            if (target === 'own' && caller.identity === null) continue;
            const label = `${routeName} as ${caller.name} on a ${target} session`;
            const owner =
              target === 'own' ? caller.identity : target === 'foreign' ? caller.other : null;
            const id =
              target === 'missing'
                ? crypto.randomUUID()
                : (await store().createSession({ userId: owner })).id;
            const call = (sessionId: string) =>
              request(route.method, route.path(sessionId), caller.headers(), route.json);
            const outcome = mode.session(caller, routeName, target);
            const response = await call(id);
            if (outcome === 'granted') {
              assert.equal(response.status, route.success, `${label}: ${response.status}`);
              if (routeName === 'stream POST') await readTurnStream(response);
              else await response.text();
              await checkGranted(routeName, id, caller.identity);
              continue;
            }
            if (target === 'foreign' && outcome === 'not-found') {
              // Byte-identical to a missing session: status, headers and body.
              const foreign = await snapshot(response);
              const missing = await snapshot(await call(crypto.randomUUID()));
              assert.deepEqual(foreign, missing, label);
              await expectRefusal(
                new Response(foreign.body, { status: foreign.status }),
                outcome,
                label,
              );
            } else {
              await expectRefusal(response, outcome, label);
            }
            if (target !== 'missing') await checkUntouched(id, owner, label);
          }
        }
      });
    }

    /** What a granted request did is really done. */
    async function checkGranted(routeName: RouteName, id: string, identity: string | null) {
      const session = await store().getSession(id);
      if (routeName === 'delete') return assert.equal(session, null);
      if (routeName === 'title') assert.equal(session?.title, 'renamed');
      if (routeName === 'assign-user') assert.equal(session?.userId, identity);
      if (routeName === 'stream POST') assert.equal((await store().listMessages(id)).length, 2);
    }

    /** A refused or foreign request changed nothing. */
    async function checkUntouched(id: string, owner: string | null, label: string) {
      const session = await store().getSession(id);
      assert.ok(session, `${label}: the session is gone`);
      assert.equal(session.userId, owner, label);
      assert.equal(session.title, null, label);
      assert.deepEqual(await store().listMessages(id), [], label);
    }
  });
}
