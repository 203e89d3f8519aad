import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { webAppRoutes } from '../../src/api/web-app-routes.ts';
import { DurableChatClient } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret } from '../support/tokens.ts';

const imageHost = 'https://images.example.com';
const localImageHost = 'http://127.0.0.1:9';

/** What a browser must see on every response: never sniff a type, never send a Referer. */
function assertEverywhereHeaders(response: Response, what: string): void {
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(response.headers.get('referrer-policy'), 'no-referrer', what);
}

/** The policy's directives as a map: `img-src` → its sources. */
function directivesOf(response: Response): Map<string, string[]> {
  const header = response.headers.get('content-security-policy');
  assert.ok(header, `no Content-Security-Policy on ${response.url}`);
  return new Map(
    header
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .map(([name = '', ...sources]) => [name, sources]),
  );
}

describe('security headers on the wire', { timeout: 60_000 }, () => {
  let server: TestServer;
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'security-headers-'));
    await mkdir(join(directory, 'assets'));
    await writeFile(join(directory, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(directory, 'assets', 'index-AbC123.js'), 'console.log(1);');
    await writeFile(
      join(directory, 'assets', 'index-AbC123.js.map'),
      '{"version":3,"sources":["../src/app.tsx"],"sourcesContent":["secret source"]}',
    );
    await writeFile(join(directory, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    server = await startTestServer({ IMAGE_HOSTS: `${imageHost}, ${localImageHost}` });
    server.app.route('/', webAppRoutes({ directory, imageOrigins: [imageHost, localImageHost] }));
  });

  after(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  const get = (path: string, init: RequestInit = {}) => fetch(`${server.baseUrl}${path}`, init);

  it('gives the app page a policy: own scripts, styles and API, images only from IMAGE_HOSTS, no framing', async () => {
    for (const path of ['/', '/?session=abc', '/index.html']) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assertEverywhereHeaders(response, path);
      const directives = directivesOf(response);
      assert.deepEqual(Object.fromEntries(directives), {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', imageHost, localImageHost],
        'connect-src': ["'self'"],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      });
    }
  });

  it('keeps the policy on a revalidated page (304)', async () => {
    const first = await get('/');
    const etag = first.headers.get('etag');
    assert.ok(etag);
    const again = await get('/', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assertEverywhereHeaders(again, '304');
    assert.deepEqual(directivesOf(again).get('frame-ancestors'), ["'none'"]);
  });

  it('sends static assets with nosniff and the policy (an SVG opened on its own runs nothing)', async () => {
    for (const path of ['/assets/index-AbC123.js', '/favicon.svg']) {
      const response = await get(path, { headers: { 'accept-encoding': 'gzip' } });
      assert.equal(response.status, 200, path);
      assertEverywhereHeaders(response, path);
      assert.deepEqual(directivesOf(response).get('script-src'), ["'self'"], path);
    }
  });

  it('never serves a source map, even one left in the build', async () => {
    for (const path of ['/assets/index-AbC123.js.map', '/assets/index-AbC123.js.MAP']) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(await response.text(), /secret source/, path);
    }
  });

  it('puts nosniff and no-referrer on API JSON, the SSE stream and every kind of error', async () => {
    const created = await get('/api/chat/sessions', { method: 'POST' });
    assert.equal(created.status, 200);
    assertEverywhereHeaders(created, 'POST /api/chat/sessions');
    const { id } = (await created.json()) as { id: string };

    const stream = await get(`/api/chat/sessions/${id}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hello' }),
    });
    assert.equal(stream.status, 200);
    assert.match(stream.headers.get('content-type') ?? '', /text\/event-stream/);
    assertEverywhereHeaders(stream, 'the SSE stream');
    await stream.text();

    const cases: [string, RequestInit, number][] = [
      ['/health', {}, 200],
      ['/metrics', {}, 200],
      ['/openapi.json', {}, 200],
      ['/api/chat/config/web', {}, 200],
      [`/api/chat/sessions/${id}`, {}, 200],
      ['/api/chat/nothing-here', {}, 404],
      ['/api/chat/sessions/00000000-0000-4000-8000-000000000000', {}, 404],
      ['/assets/index-Missing.js', {}, 404],
      [
        `/api/chat/sessions/${id}/stream`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"message":' },
        400,
      ],
    ];
    for (const [path, init, status] of cases) {
      const response = await get(path, init);
      assert.equal(response.status, status, path);
      assertEverywhereHeaders(response, `${init.method ?? 'GET'} ${path}`);
      await response.arrayBuffer();
    }
  });

  it('tells the web app which origins answer images may come from', async () => {
    const response = await get('/api/chat/config/web');
    assert.deepEqual(await response.json(), { image_origins: [imageHost, localImageHost] });
    assert.deepEqual(await new DurableChatClient({ baseUrl: server.baseUrl }).webConfig(), {
      image_origins: [imageHost, localImageHost],
    });
  });
});

describe('security headers with defaults, auth on and no build', { timeout: 60_000 }, () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret });
    server.app.route(
      '/',
      webAppRoutes({ directory: join(tmpdir(), 'durable-chat-no-such-build'), imageOrigins: [] }),
    );
  });

  after(() => server.close());

  it('allows images from no other origin when IMAGE_HOSTS is unset', async () => {
    const response = await server.app.request('/api/chat/config/web');
    assert.deepEqual(await response.json(), { image_origins: [] });
  });

  it('refuses a caller without a token with nosniff and no-referrer too', async () => {
    const response = await server.app.request('/api/chat/sessions');
    assert.equal(response.status, 401);
    assertEverywhereHeaders(response, '401');
  });

  it('gives the page shown without a build a policy that runs no script and allows no framing', async () => {
    const response = await server.app.request('/');
    assert.equal(response.status, 503);
    assertEverywhereHeaders(response, 'missing build page');
    const directives = directivesOf(response);
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.equal(directives.has('script-src'), false);
    assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
  });
});
