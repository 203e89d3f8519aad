import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FileUIPart } from 'ai';
import { DurableChatApiError, DurableChatClient } from '../../src/client/index.ts';
import * as schemas from '../../src/protocol/http-schemas.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor, userA } from '../support/tokens.ts';

describe('DurableChatClient: typed calls of the files API', () => {
  let server: TestServer;
  let client: DurableChatClient;
  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret, DEMO_TOKEN_DELAY_MS: '1' });
    client = new DurableChatClient({ baseUrl: server.baseUrl, token: await tokenFor(userA) });
  });
  after(() => server.close());

  it('uploads, lists, downloads and deletes a file, each answer in its schema', async () => {
    const file = new File(['a,b\n1,2\n'], 'table.csv', { type: 'text/csv' });
    const uploaded = schemas.fileSchema.parse(await client.uploadFile(file));
    assert.deepEqual(
      { filename: uploaded.filename, type: uploaded.media_type, size: uploaded.size_bytes },
      { filename: 'table.csv', type: 'text/csv', size: 8 },
    );
    assert.equal(uploaded.url, `/api/chat/files/${uploaded.id}`);
    const renamed = await client.uploadFile(new Blob(['{}'], { type: 'application/json' }), {
      filename: 'empty.json',
    });
    assert.equal(renamed.filename, 'empty.json');

    const listed = schemas.listFilesResponseSchema.parse(await client.listFiles({ limit: 1 }));
    assert.deepEqual(
      { ids: listed.files.map(({ id }) => id), total: listed.total },
      { ids: [renamed.id], total: 2 },
    );
    const content = await client.downloadFile(uploaded.id);
    assert.equal(content.type, 'text/csv');
    assert.equal(await content.text(), 'a,b\n1,2\n');

    await client.deleteFile(uploaded.id);
    await assert.rejects(client.downloadFile(uploaded.id), { code: 'FILE_NOT_FOUND' });
    await assert.rejects(client.deleteFile(uploaded.id), { code: 'FILE_NOT_FOUND' });
  });

  it('refuses a type the server does not accept with 415 FILE_TYPE_NOT_ALLOWED', async () => {
    const archive = new File(['PK'], 'archive.zip', { type: 'application/zip' });
    const error = await client.uploadFile(archive).then(
      () => assert.fail('the upload succeeded'),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof DurableChatApiError);
    assert.deepEqual([error.status, error.code], [415, 'FILE_TYPE_NOT_ALLOWED']);
  });

  it('sendMessage with fileIds stores the message with a file part per file', async () => {
    const notes = await client.uploadFile(new File(['hello'], 'notes.txt', { type: 'text/plain' }));
    const { id } = await client.createSession();
    const stream = await client.sendMessage(id, { text: 'read it', fileIds: [notes.id] });
    for await (const _event of stream);
    const [sent] = (await client.getSession(id)).messages;
    const files = sent!.parts.filter((part): part is FileUIPart => part.type === 'file');
    assert.deepEqual(files, [
      { type: 'file', mediaType: 'text/plain', filename: 'notes.txt', url: notes.url },
    ]);
  });
});
