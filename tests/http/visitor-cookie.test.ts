import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { visitorCookieName } from '../../src/api/visitor-key.ts';
import { webAppRoutes } from '../../src/api/web-app-routes.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { visitorCookieHeader, visitorKeyA } from '../support/visitor-keys.ts';
import { expectError, expectJson } from './api-client.ts';

const indexHtml = '<!doctype html><title>app</title><div id="root"></div>';

/** The visitor key a Set-Cookie header gives, with its attributes. */
function issuedCookie(response: Response): { key: string; attributes: string[] } | null {
  const setCookie = response.headers.getSetCookie();
  if (setCookie.length === 0) return null;
  assert.equal(setCookie.length, 1, setCookie.join(' | '));
  const [pair, ...attributes] = (setCookie[0] as string).split(';').map((part) => part.trim());
  const [name, key] = (pair as string).split('=');
  assert.equal(name, visitorCookieName);
  return { key: key as string, attributes };
}

describe(
  'the web app hands every browser a visitor key in anonymous mode',
  { timeout: 30_000 },
  () => {
    let server: TestServer;
    let directory: string;
    before(async () => {
      directory = await mkdtemp(join(tmpdir(), 'visitor-cookie-'));
      await writeFile(join(directory, 'index.html'), indexHtml);
      await writeFile(join(directory, 'app.js'), 'console.log(1)');
      server = await startTestServer();
      server.app.route('/', webAppRoutes({ directory, issueVisitorKeys: true }));
    });
    after(async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    });

    const get = (path: string, headers: Record<string, string> = {}) =>
      server.app.request(path, { headers });

    it('sets a random HttpOnly, SameSite=Lax key on pages that come without one', async () => {
      const keys = new Set<string>();
      for (const path of ['/', '/?session=abc', '/chats/abc', '/index.html']) {
        const response = await get(path);
        assert.equal(response.status, 200, path);
        assert.equal(await response.text(), indexHtml, path);
        const cookie = issuedCookie(response);
        assert.ok(cookie, `${path} set no cookie`);
        assert.match(cookie.key, /^[A-Za-z0-9_-]{43}$/);
        assert.deepEqual(cookie.attributes.map((attribute) => attribute.split('=')[0]).sort(), [
          'HttpOnly',
          'Max-Age',
          'Path',
          'SameSite',
        ]);
        assert.ok(cookie.attributes.includes('Path=/'));
        assert.ok(cookie.attributes.includes('SameSite=Lax'));
        assert.ok(Number(cookie.attributes.find((a) => a.startsWith('Max-Age='))?.slice(8)) > 3e7);
        // A shared cache must never hand one visitor's key to the next.
        assert.equal(response.headers.get('cache-control'), 'private, no-cache');
        keys.add(cookie.key);
      }
      assert.equal(keys.size, 4, 'every new visitor gets a key of its own');
    });

    it('marks the cookie Secure when the browser came over https', async () => {
      const response = await get('/', { 'x-forwarded-proto': 'https' });
      assert.ok(issuedCookie(response)?.attributes.includes('Secure'));
      const direct = await server.app.request('https://chat.example/');
      assert.ok(issuedCookie(direct)?.attributes.includes('Secure'));
    });

    it('keeps a valid key and replaces a malformed one, never failing the page', async () => {
      const kept = await get('/', visitorCookieHeader(visitorKeyA));
      assert.equal(kept.status, 200);
      assert.equal(issuedCookie(kept), null);
      assert.equal(kept.headers.get('cache-control'), 'no-cache');
      for (const value of ['x', '%', 'a'.repeat(43), `${visitorKeyA}x`, '']) {
        const response = await get('/chats/1', {
          cookie: `${visitorCookieName}=${value}; other=1`,
        });
        assert.equal(response.status, 200, value);
        assert.ok(issuedCookie(response), `a malformed key (${value}) was kept`);
      }
    });

    it('gives a key with a 304 of a cached page, but never with other files', async () => {
      const etag = (await get('/', visitorCookieHeader(visitorKeyA))).headers.get('etag') ?? '';
      const revalidated = await get('/', { 'if-none-match': etag });
      assert.equal(revalidated.status, 304);
      assert.ok(issuedCookie(revalidated));
      const script = await get('/app.js');
      assert.equal(script.status, 200);
      assert.equal(issuedCookie(script), null);
      const cached = await get('/app.js', { 'if-none-match': script.headers.get('etag') ?? '' });
      assert.equal(cached.status, 304);
      assert.equal(issuedCookie(cached), null);
    });

    it('never sets a cookie on API answers', async () => {
      for (const path of [
        '/api/chat/sessions',
        '/api/chat/config/auth',
        '/health',
        '/api/nothing',
      ]) {
        assert.equal(issuedCookie(await get(path)), null, path);
      }
    });

    it('the key a page sets is an identity the API lists sessions for', async () => {
      const key = issuedCookie(await get('/'))?.key as string;
      const headers = { cookie: `${visitorCookieName}=${key}` };
      const created = await expectJson<{ id: string; user_id: string }>(
        await server.app.request('/api/chat/sessions', { method: 'POST', headers }),
      );
      assert.match(created.user_id, /^visitor:[A-Za-z0-9_-]{43}$/);
      assert.ok(!created.user_id.includes(key), 'the key itself is never stored');
      const listed = await expectJson<{ sessions: { id: string }[] }>(
        await server.app.request('/api/chat/sessions', { headers }),
      );
      assert.deepEqual(
        listed.sessions.map((session) => session.id),
        [created.id],
      );
      const body = await expectError(
        await server.app.request('/api/chat/sessions'),
        401,
        'IDENTITY_REQUIRED',
      );
      assert.match(body.error.message, /browser/);
    });
  },
);
