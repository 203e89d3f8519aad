import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createChatTransport,
  DurableChatApiError,
  DurableChatClient,
} from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { TestChat, textOfMessage } from '../support/test-chat.ts';
import { testJwtSecret, tokenFor, userA } from '../support/tokens.ts';
import { waitFor } from '../support/wait-for.ts';
import { ByteCuttingProxy } from './support/byte-cutting-proxy.ts';

describe('createChatTransport with the AI SDK chat (what useChat runs)', () => {
  let server: TestServer;
  let client: DurableChatClient;
  before(async () => {
    server = await startTestServer({ DEMO_TOKEN_DELAY_MS: '2' });
    client = new DurableChatClient({ baseUrl: server.baseUrl });
  });
  after(() => server.close());

  /** The answer to `text` when nothing interrupts it: the demo model is deterministic. */
  async function uninterrupted(text: string): Promise<string> {
    const { id } = await client.createSession();
    const chat = new TestChat({ id, transport: createChatTransport({ baseUrl: server.baseUrl }) });
    await chat.sendMessage({ text });
    return textOfMessage(chat.lastMessage);
  }

  it('sends a message and ends with the streamed answer, persisted under the same ids', async () => {
    const { id } = await client.createSession();
    const chat = new TestChat({ id, transport: createChatTransport({ baseUrl: server.baseUrl }) });
    await chat.sendMessage({ text: 'Hello transport' });
    assert.equal(chat.status, 'ready');
    assert.equal(chat.error, undefined);
    assert.match(textOfMessage(chat.lastMessage), /Hello transport/);
    const persisted = await client.getSession(id);
    assert.deepEqual(
      persisted.messages.map((message) => [message.id, message.role]),
      chat.messages.map((message) => [message.id, message.role]),
    );
    assert.equal(textOfMessage(persisted.messages[1]), textOfMessage(chat.lastMessage));
  });

  it('sends only the new message, so a long history never grows the request body', async () => {
    const bodies: string[] = [];
    const { id } = await client.createSession();
    const chat = new TestChat({
      id,
      transport: createChatTransport({
        baseUrl: server.baseUrl,
        fetch: (input, init) => {
          if (init?.method === 'POST') bodies.push(String(init.body));
          return fetch(input, init);
        },
      }),
    });
    await chat.sendMessage({ text: 'first' });
    await chat.sendMessage({ text: 'second' });
    const last = JSON.parse(bodies.at(-1) ?? '{}') as { id: string; messages: unknown[] };
    assert.equal(last.id, id);
    assert.equal(last.messages.length, 1);
    assert.equal(chat.messages.length, 4);
  });

  it('resumes mid-answer after a reload into one assistant message equal to the uninterrupted answer', async () => {
    // About 3 s of answer at 2 ms a word: the reload must find it still running, also on a
    // loaded machine (300 words ended before the resume there).
    const text = 'Tell me a long story [demo:words=1500]';
    const expected = await uninterrupted(text);
    const { id } = await client.createSession();
    const first = new TestChat({ id, transport: createChatTransport({ baseUrl: server.baseUrl }) });
    const sending = first.sendMessage({ text });
    await waitFor(() => textOfMessage(first.lastMessage).split(' ').length > 20);
    await first.stop(); // the tab goes away: a disconnect, never a cancel
    await sending;

    const reloaded = await client.getSession(id);
    assert.notEqual(reloaded.active_stream, null, 'the turn keeps running without a client');
    const second = new TestChat({
      id,
      messages: reloaded.messages,
      transport: createChatTransport({ baseUrl: server.baseUrl }),
    });
    await second.resumeStream();
    assert.equal(second.status, 'ready');
    assert.deepEqual(
      second.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.equal(textOfMessage(second.lastMessage), expected);
    assert.equal(second.lastMessage?.id, reloaded.active_stream?.assistant_message_id);
  });

  it('resumeStream on a session with no running turn is a quiet no-op (204)', async () => {
    const { id } = await client.createSession();
    const chat = new TestChat({ id, transport: createChatTransport({ baseUrl: server.baseUrl }) });
    await chat.resumeStream();
    assert.equal(chat.status, 'ready');
    assert.equal(chat.error, undefined);
    assert.deepEqual(chat.messages, []);
  });

  it('with multitask reject, a send while another turn runs fails with the DurableChatApiError code TURN_ALREADY_ACTIVE', async () => {
    const { id } = await client.createSession();
    const elsewhere = await client.sendMessage(id, 'started on another device [demo:slow]');
    const chat = new TestChat({
      id,
      transport: createChatTransport({ baseUrl: server.baseUrl, multitask: 'reject' }),
    });
    await chat.sendMessage({ text: 'me too' });
    assert.equal(chat.status, 'error');
    assert.ok(chat.error instanceof DurableChatApiError);
    assert.equal(chat.error.status, 409);
    assert.equal(chat.error.code, 'TURN_ALREADY_ACTIVE');
    await client.cancelTurn(id);
    for await (const _event of elsewhere);
  });

  it('a stopped turn ends the chat as an abort, not an error', async () => {
    const { id } = await client.createSession();
    let finish: { isAbort: boolean; isError: boolean } | undefined;
    const chat = new TestChat({
      id,
      transport: createChatTransport({ baseUrl: server.baseUrl }),
      onFinish: (event) => {
        finish = event;
      },
    });
    const sending = chat.sendMessage({ text: 'long [demo:slow]' });
    await waitFor(
      () => chat.lastMessage?.role === 'assistant' && textOfMessage(chat.lastMessage).length > 0,
    );
    await client.cancelTurn(id);
    await sending;
    assert.equal(chat.status, 'ready');
    assert.equal(chat.error, undefined);
    assert.ok(textOfMessage(chat.lastMessage).length > 0, 'the partial answer stays');
    assert.equal(finish?.isError, false);
  });

  it('rides out random connection drops inside one send: no error, the uninterrupted answer', async () => {
    const { hostname, port } = new URL(server.baseUrl);
    const proxy = await ByteCuttingProxy.start(
      { host: hostname, port: Number(port) },
      () => 600 + Math.floor(Math.random() * 3000),
    );
    try {
      for (let round = 0; round < 3; round += 1) {
        const text = `round ${round} [demo:words=250]`;
        const expected = await uninterrupted(text);
        const { id } = await client.createSession();
        const chat = new TestChat({
          id,
          transport: createChatTransport({
            baseUrl: proxy.baseUrl,
            reconnect: { initialDelayMs: 1, retries: 10 },
          }),
        });
        await chat.sendMessage({ text });
        assert.equal(chat.error, undefined, `round ${round}: ${chat.error}`);
        assert.equal(chat.status, 'ready');
        assert.equal(chat.messages.length, 2);
        assert.equal(textOfMessage(chat.lastMessage), expected, `round ${round}`);
      }
      assert.ok(proxy.cuts >= 10, `only ${proxy.cuts} cuts`);
    } finally {
      await proxy.close();
    }
  });
});

describe('createChatTransport with bearer auth on', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret });
  });
  after(() => server.close());

  it('sends the token on every request; with a bad one useChat gets UNAUTHENTICATED', async () => {
    const token = await tokenFor(userA);
    const client = new DurableChatClient({ baseUrl: server.baseUrl, token });
    const { id } = await client.createSession();
    const chat = new TestChat({
      id,
      transport: createChatTransport({ baseUrl: server.baseUrl, token: () => token }),
    });
    await chat.sendMessage({ text: 'signed in' });
    assert.equal(chat.error, undefined);
    assert.match(textOfMessage(chat.lastMessage), /signed in/);

    const forged = new TestChat({
      id,
      transport: createChatTransport({ baseUrl: server.baseUrl, token: 'forged' }),
    });
    await forged.sendMessage({ text: 'who am I' });
    assert.ok(forged.error instanceof DurableChatApiError);
    assert.equal(forged.error.status, 401);
    assert.equal(forged.error.code, 'UNAUTHENTICATED');
    await forged.resumeStream();
    assert.equal((forged.error as DurableChatApiError | undefined)?.code, 'UNAUTHENTICATED');
  });
});
