import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';
import { visitorCookieHeader, visitorKeyA } from '../support/visitor-keys.ts';
import { type ApiClient, createApiClient, expectError, expectJson } from './api-client.ts';

interface FileBody {
  id: string;
  filename: string;
  media_type: string;
  size_bytes: number;
  created_at: string;
  url: string;
}

/** A multipart body with one `file` field, as a browser's FormData sends it. */
function uploadForm(content: BlobPart, filename: string, mediaType: string): FormData {
  const form = new FormData();
  form.set('file', new File([content], filename, { type: mediaType }));
  return form;
}

describe('files', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  let tokenA: string;
  let tokenB: string;

  before(async () => {
    server = await startTestServer({
      JWT_SECRET: testJwtSecret,
      MAX_FILE_BYTES: '4096',
      MAX_FILES_PER_USER: '8',
      UPLOAD_TIMEOUT_MS: '300',
    });
    api = createApiClient(server);
    tokenA = await tokenFor(userA);
    tokenB = await tokenFor(`${userB}-files`);
  });
  after(() => server.close());

  const upload = (token: string, form: FormData) =>
    api.call('POST', '/api/chat/files', { token, body: form });

  it('uploads, lists, downloads with its type and deletes a file', async () => {
    const bytes = Uint8Array.from({ length: 300 }, (_, index) => index % 256);
    const file = await expectJson<FileBody>(
      await upload(tokenA, uploadForm(bytes, 'picture ä.png', 'image/png')),
      201,
    );
    assert.equal(file.filename, 'picture ä.png');
    assert.equal(file.media_type, 'image/png');
    assert.equal(file.size_bytes, 300);
    assert.equal(file.url, `/api/chat/files/${file.id}`);

    const listed = await expectJson<{ files: FileBody[]; total: number }>(
      await api.call('GET', '/api/chat/files', { token: tokenA }),
    );
    assert.deepEqual(listed.files[0], file);

    const download = await api.call('GET', file.url, { token: tokenA });
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'image/png');
    assert.equal(download.headers.get('content-length'), '300');
    assert.match(
      download.headers.get('content-disposition') ?? '',
      /^inline; filename\*=UTF-8''picture%20%C3%A4\.png$/,
    );
    assert.deepEqual(new Uint8Array(await download.arrayBuffer()), bytes);

    assert.equal((await api.call('DELETE', file.url, { token: tokenA })).status, 204);
    await expectError(await api.call('GET', file.url, { token: tokenA }), 404, 'FILE_NOT_FOUND');
    await expectError(await api.call('DELETE', file.url, { token: tokenA }), 404, 'FILE_NOT_FOUND');
  });

  it('downloads a page-like type as an attachment that runs nothing', async () => {
    const file = await expectJson<FileBody>(
      await upload(tokenA, uploadForm('<script>alert(1)</script>', 'x.html', 'text/html')),
      201,
    );
    const download = await api.call('GET', file.url, { token: tokenA });
    assert.equal(download.headers.get('content-type'), 'text/html');
    assert.match(download.headers.get('content-disposition') ?? '', /^attachment;/);
    assert.match(download.headers.get('content-security-policy') ?? '', /sandbox/);
    await download.arrayBuffer();
  });

  it('pages my files newest first with a total, like sessions', async () => {
    const token = await tokenFor('pager');
    const ids = [];
    for (let index = 0; index < 3; index += 1) {
      ids.push(
        (
          await expectJson<FileBody>(
            await upload(token, uploadForm('x', `${index}.txt`, 'text/plain')),
            201,
          )
        ).id,
      );
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const page = await expectJson<{ files: FileBody[]; total: number }>(
      await api.call('GET', '/api/chat/files?limit=2&offset=1', { token }),
    );
    assert.equal(page.total, 3);
    assert.deepEqual(
      page.files.map((file) => file.id),
      [ids[1], ids[0]],
    );
    await expectError(
      await api.call('GET', '/api/chat/files?limit=0', { token }),
      422,
      'VALIDATION_FAILED',
    );
  });

  it("answers another user's file exactly like a missing one and never lists it", async () => {
    const file = await expectJson<FileBody>(
      await upload(tokenA, uploadForm('secret', 'secret.txt', 'text/plain')),
      201,
    );
    const missing = await expectError(
      await api.call('GET', '/api/chat/files/no-such-file', { token: tokenB }),
      404,
      'FILE_NOT_FOUND',
    );
    const foreign = await expectError(
      await api.call('GET', file.url, { token: tokenB }),
      404,
      'FILE_NOT_FOUND',
    );
    assert.deepEqual(foreign, missing);
    await expectError(await api.call('DELETE', file.url, { token: tokenB }), 404, 'FILE_NOT_FOUND');
    const listed = await expectJson<{ files: FileBody[]; total: number }>(
      await api.call('GET', '/api/chat/files', { token: tokenB }),
    );
    assert.ok(!listed.files.some((listedFile) => listedFile.id === file.id));
    assert.equal((await api.call('GET', file.url, { token: tokenA })).status, 200);
  });

  it('needs a signed-in caller for every route', async () => {
    for (const [method, path] of [
      ['GET', '/api/chat/files'],
      ['POST', '/api/chat/files'],
      ['GET', '/api/chat/files/some-id'],
      ['DELETE', '/api/chat/files/some-id'],
    ] as const) {
      await expectError(await api.call(method, path), 401, 'UNAUTHENTICATED');
    }
  });

  it('refuses a file over MAX_FILE_BYTES with 413 and a type outside FILE_MEDIA_TYPES with 415', async () => {
    await expectError(
      await upload(tokenA, uploadForm(new Uint8Array(4097), 'big.txt', 'text/plain')),
      413,
      'FILE_TOO_LARGE',
    );
    // Far past the limit: refused while reading, never held whole.
    await expectError(
      await upload(tokenA, uploadForm(new Uint8Array(1024 * 1024), 'huge.txt', 'text/plain')),
      413,
      'FILE_TOO_LARGE',
    );
    assert.equal(
      (await upload(tokenA, uploadForm(new Uint8Array(4096), 'fits.txt', 'text/plain'))).status,
      201,
    );
    for (const mediaType of ['application/zip', 'image/svg+xml', '']) {
      await expectError(
        await upload(tokenA, uploadForm('x', 'file.bin', mediaType)),
        415,
        'FILE_TYPE_NOT_ALLOWED',
      );
    }
  });

  it('refuses a body that is no multipart upload of a file with a coded 4xx', async () => {
    await expectError(
      await api.call('POST', '/api/chat/files', { token: tokenA, json: { file: 'x' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const textOnly = new FormData();
    textOnly.set('file', 'not a file');
    await expectError(await upload(tokenA, textOnly), 422, 'VALIDATION_FAILED');
    await expectError(
      await api.call('POST', '/api/chat/files', {
        token: tokenA,
        headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
        body: 'garbage',
      }),
      400,
      'MALFORMED_MULTIPART',
    );
  });

  it('answers an upload that stalls past UPLOAD_TIMEOUT_MS with 408 and keeps nothing', async () => {
    const token = await tokenFor('stalling');
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('--xyz\r\nContent-Disposition: form-data'));
      },
    });
    const response = await server.app.request('/api/chat/files', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'multipart/form-data; boundary=xyz',
      },
      body: stalled,
      duplex: 'half',
    } as RequestInit);
    await expectError(response, 408, 'REQUEST_TIMEOUT');
    const listed = await expectJson<{ total: number }>(
      await api.call('GET', '/api/chat/files', { token }),
    );
    assert.equal(listed.total, 0);
  });

  it('refuses uploads past MAX_FILES_PER_USER until one is deleted', async () => {
    const token = await tokenFor('collector');
    const urls = [];
    for (let index = 0; index < 8; index += 1) {
      urls.push(
        (
          await expectJson<FileBody>(
            await upload(token, uploadForm('x', 'a.txt', 'text/plain')),
            201,
          )
        ).url,
      );
    }
    await expectError(
      await upload(token, uploadForm('x', 'a.txt', 'text/plain')),
      409,
      'TOO_MANY_FILES',
    );
    await api.call('DELETE', urls[0] ?? '', { token });
    assert.equal((await upload(token, uploadForm('x', 'a.txt', 'text/plain'))).status, 201);
  });
});

describe('files in anonymous mode', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;

  before(async () => {
    server = await startTestServer();
    api = createApiClient(server);
  });
  after(() => server.close());

  it("are the visitor's: the cookie uploads and reads them, a caller without it has none", async () => {
    const form = uploadForm('hello', 'note.txt', 'text/plain');
    const headers = visitorCookieHeader(visitorKeyA);
    const file = await expectJson<FileBody>(
      await api.call('POST', '/api/chat/files', { headers, body: form }),
      201,
    );
    assert.equal(await (await api.call('GET', file.url, { headers })).text(), 'hello');
    await expectError(await api.call('GET', file.url), 401, 'IDENTITY_REQUIRED');
    await expectError(
      await api.call('POST', '/api/chat/files', { body: uploadForm('x', 'a.txt', 'text/plain') }),
      401,
      'IDENTITY_REQUIRED',
    );
    // An unowned session takes messages from anyone with its id, but without an identity the
    // caller owns no file to attach.
    const sessionId = await api.createSession();
    const refused = await expectError(
      await api.call('POST', `/api/chat/sessions/${sessionId}/stream`, {
        json: { message: 'see this', file_ids: [file.id] },
      }),
      422,
      'UNKNOWN_FILE_IDS',
    );
    assert.deepEqual(refused.error.details, { file_ids: [file.id] });
  });
});
