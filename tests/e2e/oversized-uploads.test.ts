import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { visitorCookieHeader, visitorKeyFor } from '../support/visitor-keys.ts';

describe('uploads over a real connection', { timeout: 60_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  const upload = (size: number, visitor: { cookie: string }) => {
    const form = new FormData();
    form.set('file', new File([new Uint8Array(size)], 'scan.pdf', { type: 'application/pdf' }));
    return fetch(`${server.baseUrl}/api/chat/files`, {
      method: 'POST',
      headers: visitor,
      body: form,
    });
  };

  it('takes a file far over MAX_BODY_BYTES but within MAX_FILE_BYTES (10 MB by default)', async () => {
    const response = await upload(3 * 1024 * 1024, visitorCookieHeader(visitorKeyFor('fits')));
    assert.equal(response.status, 201, await response.clone().text());
    assert.equal(((await response.json()) as { size_bytes: number }).size_bytes, 3 * 1024 * 1024);
  });

  it('answers a file over MAX_FILE_BYTES with 413 FILE_TOO_LARGE that reaches the client', async () => {
    const visitor = visitorCookieHeader(visitorKeyFor('too-large'));
    const response = await upload(12 * 1024 * 1024, visitor);
    assert.equal(response.status, 413);
    assert.equal(
      ((await response.json()) as { error: { code: string } }).error.code,
      'FILE_TOO_LARGE',
    );
    const listed = await fetch(`${server.baseUrl}/api/chat/files`, { headers: visitor });
    assert.equal(((await listed.json()) as { total: number }).total, 0, 'nothing of it was kept');
  });
});
