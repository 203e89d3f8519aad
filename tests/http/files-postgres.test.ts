import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { TestDatabase } from '../support/test-database.ts';
import { testJwtSecret, tokenFor } from '../support/tokens.ts';
import { createApiClient, expectError, expectJson, type SessionDetail } from './api-client.ts';
import { answerText, readTurnStream } from './sse-events.ts';

// A missing PostgreSQL fails these tests: a scale-out adapter that silently skips proves nothing.
describe(
  'files shared by API processes through PostgreSQL (DATABASE_URL)',
  { timeout: 60_000 },
  () => {
    const database = new TestDatabase('dc_files');
    let first: TestServer;
    let second: TestServer;

    before(async () => {
      await database.create();
      const environment = { DATABASE_URL: database.url, JWT_SECRET: testJwtSecret };
      first = await startTestServer(environment);
      second = await startTestServer(environment);
    });
    after(async () => {
      await first?.close();
      await second?.close();
      await database.drop();
    });

    it('a file uploaded through one process lists, downloads, reaches the model, and deletes through another', async () => {
      const token = await tokenFor('shared-files');
      const form = new FormData();
      form.set('file', new File(['{"a":1}'], 'data.json', { type: 'application/json' }));
      const file = await expectJson<{ id: string; url: string }>(
        await createApiClient(first).call('POST', '/api/chat/files', { token, body: form }),
        201,
      );
      const api = createApiClient(second);
      const listed = await expectJson<{ files: { id: string }[]; total: number }>(
        await api.call('GET', '/api/chat/files', { token }),
      );
      assert.deepEqual(
        listed.files.map((listedFile) => listedFile.id),
        [file.id],
      );
      const download = await api.call('GET', file.url, { token });
      assert.equal(download.headers.get('content-type'), 'application/json');
      assert.equal(await download.text(), '{"a":1}');

      const sessionId = await api.createSession(token);
      const stream = await readTurnStream(
        await api.call('POST', `/api/chat/sessions/${sessionId}/stream`, {
          token,
          json: { message: 'Parse it [demo:words=2]', file_ids: [file.id] },
        }),
      );
      assert.equal(stream.chunks.at(-1)?.type, 'finish');
      assert.equal(
        answerText(stream.chunks),
        'File data.json begins: "{"a":1}". You said:.',
        'the executor of the other process read the file from PostgreSQL',
      );
      const detail = await expectJson<SessionDetail>(
        await api.call('GET', `/api/chat/sessions/${sessionId}`, { token }),
      );
      assert.deepEqual(detail.messages[0]?.parts[0], {
        type: 'file',
        mediaType: 'application/json',
        filename: 'data.json',
        url: file.url,
      });

      assert.equal((await api.call('DELETE', file.url, { token })).status, 204);
      await expectError(
        await createApiClient(first).call('GET', file.url, { token }),
        404,
        'FILE_NOT_FOUND',
      );
    });
  },
);
