import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../../tests/support/start-test-server.ts';
import { visitorCookieHeader, visitorKeyA } from '../../tests/support/visitor-keys.ts';
import { webAppRoutes } from './web-app-routes.ts';

const indexHtml = '<!doctype html><title>app</title><div id="root"></div>';
const appScript = `console.log(${JSON.stringify('x'.repeat(4000))});`;

describe('the web app served by the API process', () => {
  let server: TestServer;
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'web-app-routes-'));
    await mkdir(join(directory, 'assets'));
    await writeFile(join(directory, 'index.html'), indexHtml);
    await writeFile(join(directory, 'assets', 'index-AbC123.js'), appScript);
    await writeFile(join(directory, 'favicon.svg'), '<svg/>');
    await writeFile(join(directory, '.build-inputs.json'), '{"inputs":["secret"]}');
    server = await startTestServer();
    server.app.route('/', webAppRoutes({ directory }));
  });

  after(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    server.app.request(path, { headers });

  it('serves index.html at / and revalidates it on every load', async () => {
    const response = await get('/');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-cache');
    assert.equal(await response.text(), indexHtml);
  });

  it('answers page paths and query strings with index.html so reloads keep the open chat', async () => {
    for (const path of ['/?session=abc', '/chats/abc', '/index.html']) {
      const response = await get(path);
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), indexHtml, path);
    }
  });

  it('serves hashed assets with a year-long immutable cache', async () => {
    const response = await get('/assets/index-AbC123.js');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(await response.text(), appScript);
  });

  it('gzips text files for clients that accept it', async () => {
    const response = await get('/assets/index-AbC123.js', { 'accept-encoding': 'gzip' });
    assert.equal(response.headers.get('content-encoding'), 'gzip');
    const body = gunzipSync(Buffer.from(await response.arrayBuffer())).toString();
    assert.equal(body, appScript);
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    const first = await get('/');
    const etag = first.headers.get('etag');
    assert.ok(etag);
    const second = await get('/', { 'if-none-match': `W/${etag}` });
    assert.equal(second.status, 304);
    assert.equal(await second.text(), '');
  });

  it('answers missing files with an extension with 404 instead of the page', async () => {
    const response = await get('/assets/index-Missing.js');
    assert.equal(response.status, 404);
  });

  it('answers paths the file system cannot look up (a 256-byte name, a path over 4 KB) with 404', async () => {
    const longName = 'a'.repeat(256);
    const deepPath = `/${'abcdefgh/'.repeat(500)}page`;
    for (const path of [`/${longName}`, `/${longName}.js`, `/assets/${longName}`, deepPath]) {
      const response = await get(path);
      assert.equal(response.status, 404, path.slice(0, 40));
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'ROUTE_NOT_FOUND');
    }
  });

  it('never serves files outside the build directory or dotfiles', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/assets/%2e%2e/%2e%2e/package.json',
      '/.build-inputs.json',
      '/%00',
      '/%E0%A4%A',
    ]) {
      const response = await get(path);
      const body = await response.text();
      assert.equal(response.status, 404, path);
      assert.doesNotMatch(body, /"name": "durable-chat"|secret/, path);
    }
  });

  it('leaves the API, health, metrics and the API description in place', async () => {
    assert.equal((await get('/health')).status, 200);
    assert.equal((await get('/ready')).status, 200);
    assert.equal((await get('/metrics')).status, 200);
    const openApi = await get('/openapi.json');
    assert.equal(openApi.status, 200);
    assert.match(openApi.headers.get('content-type') ?? '', /application\/json/);
    const sessions = await get('/api/chat/sessions', {
      'accept-encoding': 'gzip',
      ...visitorCookieHeader(visitorKeyA),
    });
    assert.equal(sessions.status, 200);
    assert.equal(sessions.headers.get('content-encoding'), null);
    assert.ok(Array.isArray(((await sessions.json()) as { sessions: unknown }).sessions));
  });

  it('keeps the JSON 404 for unknown API paths', async () => {
    for (const path of ['/api/chat/nothing-here', '/api', '/api/other']) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'ROUTE_NOT_FOUND', path);
    }
  });
});

describe('the API process without a web build', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    server.app.route(
      '/',
      webAppRoutes({ directory: join(tmpdir(), 'durable-chat-no-such-build') }),
    );
  });

  after(() => server.close());

  it('explains at / how to build the app instead of failing', async () => {
    const response = await server.app.request('/');
    assert.equal(response.status, 503);
    assert.match(await response.text(), /npm run build:web/);
  });

  it('still answers the API', async () => {
    const response = await server.app.request('/health');
    assert.equal(response.status, 200);
  });
});
