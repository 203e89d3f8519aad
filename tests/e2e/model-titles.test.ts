import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../support/fake-openai-server.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import {
  type ApiClient,
  createApiClient,
  expectJson,
  type SessionDetail,
} from '../http/api-client.ts';
import { answerText, readTurnStream } from '../http/sse-events.ts';

interface TitleRequest {
  stream?: boolean;
  messages: { role: string; content: string }[];
}

describe('session titles by the model', { timeout: 60_000 }, () => {
  let fake: FakeOpenAiServer;
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    fake = await startFakeOpenAiServer();
    server = await startTestServer({ OPENAI_BASE_URL: `${fake.url}/v1` });
    api = createApiClient(server);
  });
  after(async () => {
    await server.close();
    await fake.close();
  });

  const titleOf = async (sessionId: string) =>
    (await expectJson<SessionDetail>(await api.call('GET', `/api/chat/sessions/${sessionId}`)))
      .title;

  it('titles a session once, after its first answer, before the answer ends', async () => {
    const sessionId = await api.createSession();
    fake.enqueue({ type: 'text', deltas: ['Lisbon in May is ', 'warm and sunny.'] });
    fake.enqueue({ type: 'text', deltas: ['Title: "Weather in Lisbon in May".'] });
    const first = await readTurnStream(
      await api.postMessage(sessionId, 'What is the weather like in Lisbon in May?'),
    );
    assert.equal(answerText(first.chunks), 'Lisbon in May is warm and sunny.');
    // Read once the stream has ended, without waiting: the title came first.
    assert.equal(await titleOf(sessionId), 'Weather in Lisbon in May');
    const titling = fake.requests.at(-1) as TitleRequest;
    assert.notEqual(titling.stream, true);
    assert.match(JSON.stringify(titling.messages), /Lisbon in May is warm and sunny/);

    const before = fake.requests.length;
    fake.enqueue({ type: 'text', deltas: ['Pack a jacket.'] });
    await readTurnStream(await api.postMessage(sessionId, 'And the evenings?'));
    assert.equal(fake.requests.length, before + 1, 'no second title');
    assert.equal(await titleOf(sessionId), 'Weather in Lisbon in May');
  });

  it('keeps a title the user chose while the first answer ran', async () => {
    const sessionId = await api.createSession();
    fake.enqueue({ type: 'text', deltas: ['One ', 'moment ', 'please.'], delayMs: 150 });
    fake.enqueue({ type: 'text', deltas: ['A generated title'] });
    const answering = api.postMessage(sessionId, 'Plan my week');
    const response = await answering;
    const streamed = readTurnStream(response);
    await api.call('PATCH', `/api/chat/sessions/${sessionId}/title`, {
      json: { title: 'My own title' },
    });
    await streamed;
    assert.equal(await titleOf(sessionId), 'My own title');
  });

  it('keeps the first-line title when the model cannot title, and the answer completes', async () => {
    const sessionId = await api.createSession();
    fake.enqueue({ type: 'text', deltas: ['Sure.'] });
    fake.enqueue({
      type: 'http-error',
      status: 503,
      message: 'overloaded',
      errorType: 'server_error',
    });
    const turn = await readTurnStream(await api.postMessage(sessionId, 'Help me **write** a poem'));
    assert.equal(answerText(turn.chunks), 'Sure.');
    assert.equal(turn.chunks.at(-1)?.type, 'finish');
    assert.equal(await titleOf(sessionId), 'Help me write a poem');
  });
});
