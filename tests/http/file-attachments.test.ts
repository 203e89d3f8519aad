import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor } from '../support/tokens.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { readTurnStream } from './sse-events.ts';

interface FileBody {
  id: string;
  filename: string;
  media_type: string;
  url: string;
}

describe('files attached to messages', { timeout: 60_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  let token: string;
  let otherToken: string;

  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret });
    api = createApiClient(server);
    token = await tokenFor('attacher');
    otherToken = await tokenFor('someone-else');
  });
  after(() => server.close());

  async function uploaded(
    name = 'notes.txt',
    mediaType = 'text/plain',
    as = token,
  ): Promise<FileBody> {
    const form = new FormData();
    form.set('file', new File(['content of ' + name], name, { type: mediaType }));
    return expectJson<FileBody>(
      await api.call('POST', '/api/chat/files', { token: as, body: form }),
      201,
    );
  }
  const post = (sessionId: string, json: unknown) =>
    api.call('POST', `/api/chat/sessions/${sessionId}/stream`, { token, json });
  const seed = (fileIds: string[], message = 'Read these [demo:words=3]') => ({
    message,
    file_ids: fileIds,
  });
  const transport = (parts: unknown[], messageId: string = crypto.randomUUID()) => ({
    messages: [{ id: messageId, role: 'user', parts }],
    trigger: 'submit-message',
  });
  async function storedUserMessage(sessionId: string) {
    const detail = await expectJson<SessionDetail>(
      await api.call('GET', `/api/chat/sessions/${sessionId}`, { token }),
    );
    return detail.messages.find((message) => message.role === 'user');
  }
  /** Answered, not failed: the turn ran with the files in its history. */
  async function answered(response: Response): Promise<void> {
    const stream = await readTurnStream(response);
    assert.equal(stream.chunks.at(-1)?.type, 'finish', JSON.stringify(stream.chunks.at(-1)));
  }

  it('stores file_ids as file parts before the text, which reload as file parts', async () => {
    const sessionId = await api.createSession(token);
    const picture = await uploaded('cat.png', 'image/png');
    const notes = await uploaded('notes.txt', 'text/plain');
    await answered(await post(sessionId, seed([picture.id, notes.id])));
    const message = await storedUserMessage(sessionId);
    assert.deepEqual(message?.parts, [
      { type: 'file', mediaType: 'image/png', filename: 'cat.png', url: picture.url },
      { type: 'file', mediaType: 'text/plain', filename: 'notes.txt', url: notes.url },
      { type: 'text', text: 'Read these [demo:words=3]' },
    ]);
    assert.equal(message.metadata, undefined, 'the ids live in the parts, not beside them');
  });

  it('accepts 20 file ids and refuses 21 with 422', async () => {
    const sessionId = await api.createSession(token);
    const files = [];
    for (let index = 0; index < 21; index += 1) files.push(await uploaded(`${index}.txt`));
    const ids = files.map((file) => file.id);
    await expectError(await post(sessionId, seed(ids)), 422, 'VALIDATION_FAILED');
    await answered(await post(sessionId, seed(ids.slice(0, 20))));
    const message = await storedUserMessage(sessionId);
    assert.equal(message?.parts.filter((part) => part.type === 'file').length, 20);
  });

  it('refuses unknown, deleted and foreign ids, naming exactly those, and starts nothing', async () => {
    const sessionId = await api.createSession(token);
    const kept = await uploaded();
    const deleted = await uploaded();
    assert.equal((await api.call('DELETE', deleted.url, { token })).status, 204);
    const foreign = await uploaded('theirs.txt', 'text/plain', otherToken);
    const body = await expectError(
      await post(sessionId, seed([kept.id, deleted.id, 'no-such-file', foreign.id])),
      422,
      'UNKNOWN_FILE_IDS',
    );
    assert.deepEqual(body.error.details, { file_ids: [deleted.id, 'no-such-file', foreign.id] });
    assert.equal(await storedUserMessage(sessionId), undefined);
    assert.equal(await server.runtime.api.registry.getActiveTurn(sessionId), null);
  });

  it('refuses file_ids without a message to attach them to', async () => {
    const sessionId = await api.createSession(token);
    const file = await uploaded();
    await expectError(await post(sessionId, seed([file.id], '')), 422, 'VALIDATION_FAILED');
  });

  it('stores the AI SDK transport’s file parts exactly as sent, a file-only message too', async () => {
    const sessionId = await api.createSession(token);
    const notes = await uploaded();
    const parts = [
      {
        type: 'file',
        mediaType: 'image/png',
        filename: 'dot.png',
        url: 'data:image/png;base64,iVBORw0KGgo=',
      },
      { type: 'file', mediaType: 'text/plain', url: notes.url },
      { type: 'text', text: 'What is in these? [demo:words=3]' },
    ];
    await answered(await post(sessionId, transport(parts)));
    assert.deepEqual((await storedUserMessage(sessionId))?.parts, parts);

    const fileOnly = await api.createSession(token);
    const onlyParts = [
      { type: 'file', mediaType: 'text/plain', filename: 'a.txt', url: notes.url },
    ];
    await answered(await post(fileOnly, transport(onlyParts)));
    assert.deepEqual((await storedUserMessage(fileOnly))?.parts, onlyParts);
    const untitled = await expectJson<SessionDetail>(
      await api.call('GET', `/api/chat/sessions/${fileOnly}`, { token }),
    );
    assert.equal(untitled.title, null, 'no words, no title: a later message names the session');
  });

  it('an edit may add files to an earlier message, which then reloads with them', async () => {
    const sessionId = await api.createSession(token);
    const notes = await uploaded();
    await answered(
      await post(sessionId, transport([{ type: 'text', text: 'first [demo:words=2]' }], 'edited')),
    );
    const parts = [
      { type: 'file', mediaType: 'text/plain', filename: 'notes.txt', url: notes.url },
      { type: 'text', text: 'first, with notes [demo:words=2]' },
    ];
    await answered(await post(sessionId, { ...transport(parts, 'edited'), messageId: 'edited' }));
    assert.deepEqual((await storedUserMessage(sessionId))?.parts, parts);
  });

  it('refuses transport file parts that point at a foreign file, have a refused type or are malformed', async () => {
    const sessionId = await api.createSession(token);
    const foreign = await uploaded('theirs.txt', 'text/plain', otherToken);
    const text = { type: 'text', text: 'hi' };
    const refused = await expectError(
      await post(
        sessionId,
        transport([{ type: 'file', mediaType: 'text/plain', url: foreign.url }, text]),
      ),
      422,
      'UNKNOWN_FILE_IDS',
    );
    assert.deepEqual(refused.error.details, { file_ids: [foreign.id] });
    await expectError(
      await post(
        sessionId,
        transport([
          { type: 'file', mediaType: 'application/zip', url: 'data:application/zip;base64,UEs=' },
          text,
        ]),
      ),
      415,
      'FILE_TYPE_NOT_ALLOWED',
    );
    for (const part of [
      { type: 'file', url: 'data:text/plain,hi' },
      { type: 'file', mediaType: 'text/plain', url: 'javascript:alert(1)' },
      { type: 'file', mediaType: 'text/plain', url: 'file:///etc/passwd' },
      { type: 'file', mediaType: 'text/plain', url: '/api/chat/files/a/../../sessions' },
      { type: 'file', mediaType: 'text/plain', url: '/API/chat/files/abc' },
      { type: 'file', mediaType: 'text/plain', url: 'http://169.254.169.254/latest/meta-data' },
      { type: 'file', mediaType: 'text/plain', url: 'data:text/plain,hi', filename: 7 },
    ]) {
      await expectError(await post(sessionId, transport([part, text])), 422, 'VALIDATION_FAILED');
    }
    const many = Array.from({ length: 21 }, () => ({
      type: 'file',
      mediaType: 'text/plain',
      url: 'data:text/plain,hi',
    }));
    await expectError(await post(sessionId, transport([...many, text])), 422, 'VALIDATION_FAILED');
    assert.equal(await storedUserMessage(sessionId), undefined);
  });
});
