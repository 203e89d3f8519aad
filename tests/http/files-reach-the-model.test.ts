import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../support/fake-openai-server.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor } from '../support/tokens.ts';
import { type ApiClient, createApiClient, expectJson } from './api-client.ts';
import { answerText, readTurnStream } from './sse-events.ts';

interface FileBody {
  id: string;
}

/** A user of `server` who uploads files and sends messages with them. */
async function userOf(server: TestServer, name: string) {
  const api: ApiClient = createApiClient(server);
  const token = await tokenFor(name);
  return {
    async upload(filename: string, mediaType: string, content: string | Uint8Array<ArrayBuffer>) {
      const form = new FormData();
      form.set('file', new File([content], filename, { type: mediaType }));
      const response = await api.call('POST', '/api/chat/files', { token, body: form });
      return (await expectJson<FileBody>(response, 201)).id;
    },
    /** Sends the message with the files in a new session; the streamed answer's text. */
    async ask(message: string, fileIds: string[]) {
      const sessionId = await api.createSession(token);
      const response = await api.call('POST', `/api/chat/sessions/${sessionId}/stream`, {
        token,
        json: { message, file_ids: fileIds },
      });
      const { chunks } = await readTurnStream(response);
      assert.equal(chunks.at(-1)?.type, 'finish', JSON.stringify(chunks.at(-1)));
      return answerText(chunks);
    },
  };
}

describe('attached files reach the demo model', { timeout: 60_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret, FILE_INLINE_BYTES: '64' });
  });
  after(() => server.close());

  it('answers a message with text files by quoting the first line of each', async () => {
    const user = await userOf(server, 'quoted-reader');
    const notes = await user.upload('notes.txt', 'text/plain', 'first line\nsecond line\n');
    const data = await user.upload('data.json', 'application/json', '{"answer": 42}');
    const pdf = await user.upload('paper.pdf', 'application/pdf', '%PDF-1.4');
    const answer = await user.ask('Read these [demo:words=4]', [notes, data, pdf]);
    assert.equal(
      answer,
      'File notes.txt begins: "first line". File data.json begins: "{"answer": 42}". You said: "Read these".',
    );
  });

  it('reads on past the inline budget with read_workspace_file, only the user’s own files', async () => {
    const owner = await userOf(server, 'long-file-owner');
    const long = await owner.upload('long.txt', 'text/plain', `${'a'.repeat(64)}THE END`);
    const read = await owner.ask(
      `[demo:call=read_workspace_file {"file_id": "${long}", "offset": 64}]`,
      [long],
    );
    assert.match(read, /"content":"THE END","next_offset":null/);
    const stranger = await userOf(server, 'file-stranger');
    const refused = await stranger.ask(
      `[demo:call=read_workspace_file {"file_id": "${long}"}]`,
      [],
    );
    assert.equal(refused, `The read_workspace_file tool failed: Error: no file with id "${long}".`);
  });
});

describe('attached files reach an OpenAI-compatible model', { timeout: 60_000 }, () => {
  let fake: FakeOpenAiServer;
  let server: TestServer;
  before(async () => {
    fake = await startFakeOpenAiServer();
    server = await startTestServer({
      JWT_SECRET: testJwtSecret,
      OPENAI_BASE_URL: `${fake.url}/v1`,
      OPENAI_API_KEY: 'sk-test-key',
    });
  });
  after(async () => {
    await server.close();
    await fake.close();
  });

  it('sends a text file inline and an image as an image_url data URL', async () => {
    const user = await userOf(server, 'image-sender');
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const picture = await user.upload('cat.png', 'image/png', png);
    const notes = await user.upload('notes.txt', 'text/plain', 'line one\nline two');
    fake.enqueue({ type: 'text', deltas: ['Seen.'] });
    assert.equal(await user.ask('What is in these?', [picture, notes]), 'Seen.');
    // The answer's request, streamed; the one after it (not streamed) titles the session.
    const body = fake.requests.findLast(
      (request) => (request as { stream?: boolean }).stream === true,
    ) as { messages: { role: string; content: string | Record<string, unknown>[] }[] };
    const question = body.messages.find((message) => message.role === 'user');
    assert.deepEqual(question?.content, [
      {
        type: 'image_url',
        image_url: { url: `data:image/png;base64,${Buffer.from(png).toString('base64')}` },
      },
      {
        type: 'text',
        text: `[Attached file "notes.txt" (text/plain, 17 bytes, file_id ${notes})]\nline one\nline two\n[End of file "notes.txt"]`,
      },
      { type: 'text', text: 'What is in these?' },
    ]);
  });
});
