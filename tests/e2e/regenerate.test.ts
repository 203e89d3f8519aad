import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UIMessage, UIMessageChunk } from 'ai';
import { createChatTransport, DurableChatClient } from '../../src/client/index.ts';
import { chunksOf, parseSseId, readSse, textOfChunks } from '../support/read-sse.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createTestTransport, TestChat, textOfMessage } from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

/** What the demo model counted as the prompt it read (its input tokens are prompt words). */
const inputTokensOf = (message: UIMessage | undefined) =>
  (message?.metadata as { usage?: { inputTokens?: number } } | undefined)?.usage?.inputTokens;

const statusOf = (message: UIMessage | undefined) =>
  (message?.metadata as { status?: string } | undefined)?.status;

const rolesAndIds = (messages: UIMessage[]) => messages.map(({ id, role }) => [id, role]);

describe('regenerate and edit-and-resend through the real AI SDK client', () => {
  let server: TestServer;
  let client: DurableChatClient;
  before(async () => {
    server = await startTestServer({ DEMO_TOKEN_DELAY_MS: '3', DEMO_ANSWER_WORDS: '30' });
    client = new DurableChatClient({ baseUrl: server.baseUrl });
  });
  after(() => server.close());

  const newChat = async (messages: UIMessage[] = [], id?: string) =>
    new TestChat({
      id: id ?? (await client.createSession()).id,
      messages,
      transport: createChatTransport({ baseUrl: server.baseUrl }),
    });

  const streamUrl = (sessionId: string) =>
    `${server.baseUrl}/api/chat/sessions/${sessionId}/stream`;
  const post = (sessionId: string, body: unknown, signal?: AbortSignal) =>
    readSse(streamUrl(sessionId), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
  const startOf = (chunks: UIMessageChunk[]) =>
    chunks.find(
      (chunk): chunk is Extract<UIMessageChunk, { type: 'start' }> => chunk.type === 'start',
    );

  it('regenerate() replaces the last answer: the chat and a reload show one answer, read without the old one', async () => {
    const chat = await newChat();
    await chat.sendMessage({ text: 'Hello there' });
    const first = chat.lastMessage;
    await chat.regenerate();
    assert.equal(chat.status, 'ready');
    assert.deepEqual(
      chat.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    const second = chat.lastMessage;
    assert.notEqual(second?.id, first?.id, 'a new answer, under a new id');
    assert.match(textOfMessage(second), /^You said: "Hello there"/);
    // The model read the question only, as the first time: the replaced answer was not history.
    assert.equal(inputTokensOf(second), inputTokensOf(first));
    const reloaded = await client.getSession(chat.id);
    assert.deepEqual(rolesAndIds(reloaded.messages), rolesAndIds(chat.messages));
    assert.deepEqual(reloaded.messages[1], JSON.parse(JSON.stringify(second)));
    assert.equal(reloaded.active_stream, null);
  });

  it('regenerate({messageId}) of an earlier answer with DefaultChatTransport drops what followed it', async () => {
    const { id } = await client.createSession();
    const chat = new TestChat({ id, transport: createTestTransport(server.baseUrl) });
    await chat.sendMessage({ text: 'first question' });
    await chat.sendMessage({ text: 'second question' });
    const [question, answer] = chat.messages;
    await chat.regenerate({ messageId: answer?.id ?? '' });
    assert.equal(chat.status, 'ready');
    assert.equal(chat.messages.length, 2);
    assert.equal(chat.messages[0]?.id, question?.id);
    assert.notEqual(chat.lastMessage?.id, answer?.id);
    assert.match(textOfMessage(chat.lastMessage), /^You said: "first question"/);
    const reloaded = await client.getSession(id);
    assert.deepEqual(rolesAndIds(reloaded.messages), rolesAndIds(chat.messages));
  });

  it('a regenerate retried while and after it runs re-attaches to its one turn, never a second', async () => {
    const chat = await newChat();
    await chat.sendMessage({ text: 'retry me [demo:words=200]' });
    const [question, answer] = chat.messages;
    const body = {
      id: chat.id,
      messages: [question],
      trigger: 'regenerate-message',
      messageId: answer?.id,
    };
    let firstTurnId: string | null = null;
    const firstRead = readSse(streamUrl(chat.id), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      onEvent: (event) => {
        firstTurnId ??= parseSseId(event.id)?.turnId ?? null;
      },
    });
    await waitFor(() => firstTurnId !== null);
    const whileRunning = await post(chat.id, body);
    const first = await firstRead;
    const afterwards = await post(chat.id, body);
    for (const read of [first, whileRunning, afterwards]) {
      assert.equal(read.status, 200);
      assert.equal(read.done, true);
      assert.equal(parseSseId(read.events[0]?.id)?.turnId, firstTurnId, 'the same turn');
      assert.equal(textOfChunks(chunksOf(read.events)), textOfChunks(chunksOf(first.events)));
    }
    const stored = await server.runtime.api.store.listMessages(chat.id);
    assert.deepEqual(
      stored.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.equal(stored[1]?.id, startOf(chunksOf(first.events))?.messageId);
    assert.equal(
      (await server.runtime.api.store.getTurn(firstTurnId ?? ''))?.replacedMessageId,
      answer?.id,
    );
  });

  it('a double-clicked Regenerate starts one turn; a different edit meanwhile is refused, the same one re-attaches', async () => {
    const chat = await newChat();
    await chat.sendMessage({ text: 'click twice' });
    const [question, answer] = chat.messages;
    const regenerate = {
      id: chat.id,
      messages: [question],
      trigger: 'regenerate-message',
      messageId: answer?.id,
    };
    const both = await Promise.all([post(chat.id, regenerate), post(chat.id, regenerate)]);
    const turnIds = both.map((read) => parseSseId(read.events[0]?.id)?.turnId);
    assert.equal(turnIds[0], turnIds[1]);
    assert.deepEqual(
      (await client.getSession(chat.id)).messages.map((message) => message.role),
      ['user', 'assistant'],
    );

    const edit = (text: string) => ({
      id: chat.id,
      messages: [{ ...question, parts: [{ type: 'text', text }] }],
      trigger: 'submit-message',
      messageId: question?.id,
    });
    let editTurn: string | null = null;
    const editing = readSse(streamUrl(chat.id), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(edit('rewritten [demo:words=1000]')),
      onEvent: (event) => {
        editTurn ??= parseSseId(event.id)?.turnId ?? null;
      },
    });
    await waitFor(() => editTurn !== null);
    const other = await post(chat.id, edit('rewritten otherwise'));
    assert.equal(other.status, 409);
    assert.equal((other.body as { error: { code: string } }).error.code, 'TURN_ALREADY_ACTIVE');
    const same = await post(chat.id, edit('rewritten [demo:words=1000]'));
    assert.equal(parseSseId(same.events[0]?.id)?.turnId, editTurn);
    await editing;
    const stored = (await client.getSession(chat.id)).messages;
    assert.deepEqual(
      stored.map((message) => [message.role, textOfMessage(message).split('.')[0]]),
      [
        ['user', 'rewritten [demo:words=1000]'],
        ['assistant', 'You said: "rewritten"'],
      ],
    );
  });

  it('a regenerate turn survives a reload: resumed with resumeStream and with Last-Event-ID', async () => {
    const chat = await newChat();
    // Stopped early, so the regenerate (the full answer, about 4 s) has the time it needs.
    const sending = chat.sendMessage({ text: 'Tell me a long story [demo:words=1500]' });
    // The answer's words, not the question's (the chat shows the question at once): a cancel sent
    // before the turn opened would cancel nothing.
    const answerWords = () =>
      chat.lastMessage?.role === 'assistant'
        ? textOfMessage(chat.lastMessage).split(' ').length
        : 0;
    await waitFor(() => answerWords() > 0);
    await client.cancelTurn(chat.id);
    await sending;
    const replaced = chat.lastMessage?.id;
    const regenerating = chat.regenerate({ messageId: replaced ?? '' });
    // Far past position 5 (chunks carry a window's words each), where a reader below resumes.
    await waitFor(() => chat.lastMessage?.id !== replaced && answerWords() > 100);
    await chat.stop(); // the tab goes away: a disconnect, never a cancel
    await regenerating;

    const reloaded = await client.getSession(chat.id);
    const active = reloaded.active_stream;
    assert.ok(active, 'the regenerate keeps running without a client');
    assert.notEqual(active.assistant_message_id, replaced);
    assert.equal(active.last_message_id, reloaded.messages.at(-1)?.id);
    assert.deepEqual(
      reloaded.messages.map((message) => message.role),
      ['user'],
      'the replaced answer is gone at once',
    );
    // Both while it runs: the reloaded chat from the first chunk, a reader after position 5.
    const resumed = await newChat(reloaded.messages, chat.id);
    const [tail] = await Promise.all([
      readSse(streamUrl(chat.id), { headers: { 'last-event-id': `${active.turn_id}:5` } }),
      resumed.resumeStream(),
    ]);
    assert.equal(parseSseId(tail.events[0]?.id)?.position, 6, 'exactly the chunks after 5');
    assert.ok(textOfMessage(resumed.lastMessage).endsWith(textOfChunks(chunksOf(tail.events))));
    assert.equal(resumed.status, 'ready');
    assert.deepEqual(
      resumed.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.equal(resumed.lastMessage?.id, active.assistant_message_id);
    assert.equal(textOfMessage(resumed.lastMessage).split(' ').length, 1500, 'all of it, once');
    const persisted = await client.getSession(chat.id);
    assert.deepEqual(rolesAndIds(persisted.messages), rolesAndIds(resumed.messages));
    assert.equal(textOfMessage(persisted.messages[1]), textOfMessage(resumed.lastMessage));
  });

  it('Retry of a stopped answer, stopped again: the partial new answer is the only answer', async () => {
    const chat = await newChat();
    const text = 'Keep talking [demo:words=2000]';
    const sending = chat.sendMessage({ text });
    await waitFor(() => textOfMessage(chat.lastMessage).split(' ').length > 10);
    await client.cancelTurn(chat.id);
    await sending;
    const stopped = chat.lastMessage;
    const regenerating = chat.regenerate({ messageId: stopped?.id ?? '' });
    // The new answer's words (the chat shows the question alone at once): its turn is open.
    await waitFor(
      () =>
        chat.lastMessage?.role === 'assistant' &&
        chat.lastMessage.id !== stopped?.id &&
        textOfMessage(chat.lastMessage).length > 0,
    );
    assert.deepEqual(await client.cancelTurn(chat.id), { cancelled: true });
    await regenerating;
    assert.equal(chat.status, 'ready');
    assert.equal(chat.error, undefined);
    const stored = (await client.getSession(chat.id)).messages;
    assert.deepEqual(
      stored.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.notEqual(stored[1]?.id, stopped?.id);
    assert.equal(stored[1]?.id, chat.lastMessage?.id);
    assert.equal(statusOf(stored[1]), 'cancelled');
    assert.equal(textOfMessage(stored[1]), textOfMessage(chat.lastMessage));
    assert.ok(textOfMessage(stored[1]).split(' ').length < 2000);
  });

  it('regenerate while a turn runs is refused with 409 TURN_ALREADY_ACTIVE and changes nothing', async () => {
    const chat = await newChat();
    await chat.sendMessage({ text: 'one' });
    const snapshot = structuredClone(chat.messages);
    const sending = chat.sendMessage({ text: 'two [demo:words=400]' });
    await waitFor(() => chat.lastMessage?.role === 'assistant' && chat.messages.length === 4);
    const intruder = await newChat(snapshot, chat.id);
    await intruder.regenerate({ messageId: snapshot[1]?.id ?? '' });
    assert.equal(intruder.status, 'error');
    assert.equal((intruder.error as { code?: string } | undefined)?.code, 'TURN_ALREADY_ACTIVE');
    await sending;
    const stored = (await client.getSession(chat.id)).messages;
    assert.deepEqual(rolesAndIds(stored), rolesAndIds(chat.messages));
    assert.equal(stored.length, 4);
  });

  it("the seed's body without a message regenerates the last answer; message_id makes it idempotent", async () => {
    const chat = await newChat();
    await chat.sendMessage({ text: 'seed style' });
    const replaced = chat.lastMessage?.id;
    const bare = await post(chat.id, { message: '', is_user_message: true, context: null });
    assert.equal(bare.status, 200);
    const bareAnswer = startOf(chunksOf(bare.events))?.messageId;
    assert.ok(bareAnswer && bareAnswer !== replaced);
    const named = await post(chat.id, { message_id: bareAnswer });
    const again = await post(chat.id, { message: '', message_id: bareAnswer });
    const namedTurn = parseSseId(named.events[0]?.id)?.turnId;
    assert.equal(parseSseId(again.events[0]?.id)?.turnId, namedTurn, 'a retry replays its turn');
    const stored = (await client.getSession(chat.id)).messages;
    assert.deepEqual(
      stored.map((message) => [message.role, message.id]),
      [
        ['user', chat.messages[0]?.id],
        ['assistant', startOf(chunksOf(named.events))?.messageId],
      ],
    );
    assert.equal(textOfMessage(stored[1]), textOfChunks(chunksOf(named.events)));
  });

  it('sendMessage({text, messageId}) edits a question, drops what followed and answers it once', async () => {
    const chat = await newChat();
    await chat.sendMessage({ text: 'first draft' });
    await chat.sendMessage({ text: 'something else' });
    const question = chat.messages[0];
    await chat.sendMessage({ text: 'first, rewritten', messageId: question?.id ?? '' });
    assert.equal(chat.status, 'ready');
    assert.deepEqual(
      chat.messages.map((message) => [message.role, textOfMessage(message).split('.')[0]]),
      [
        ['user', 'first, rewritten'],
        ['assistant', 'You said: "first, rewritten"'],
      ],
    );
    assert.equal(chat.messages[0]?.id, question?.id, 'the edited message keeps its id');
    const reloaded = await client.getSession(chat.id);
    assert.deepEqual(reloaded.messages, JSON.parse(JSON.stringify(chat.messages)));
    // The same edit posted again (a retry) replays the turn it started.
    const retry = await post(chat.id, {
      id: chat.id,
      messages: [chat.messages[0]],
      trigger: 'submit-message',
      messageId: question?.id,
    });
    assert.equal(startOf(chunksOf(retry.events))?.messageId, chat.lastMessage?.id);
    assert.deepEqual((await client.getSession(chat.id)).messages, reloaded.messages);
  });

  it('Retry of a failed answer replaces it with a completed one', async () => {
    const chat = await newChat();
    await chat.sendMessage({ text: 'try me [demo:flaky]' });
    assert.equal(chat.status, 'error');
    const failed = (await client.getSession(chat.id)).messages;
    assert.equal(statusOf(failed[1]), 'failed');
    await chat.regenerate({ messageId: failed[1]?.id ?? '' });
    assert.equal(chat.status, 'ready');
    const stored = (await client.getSession(chat.id)).messages;
    assert.deepEqual(rolesAndIds(stored), rolesAndIds(chat.messages));
    assert.deepEqual(
      stored.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.equal(statusOf(stored[1]), undefined);
    assert.match(textOfMessage(stored[1]), /^You said: "try me"/);
  });
});

describe('a retried regenerate whose turn is no longer replayable', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ FINISHED_TURN_TTL_SECONDS: '1' });
  });
  after(() => server.close());

  it('is answered with 409 MESSAGE_ALREADY_ANSWERED and starts nothing', async () => {
    const client = new DurableChatClient({ baseUrl: server.baseUrl });
    const { id } = await client.createSession();
    for await (const _event of await client.sendMessage(id, 'hello'));
    const answer = (await client.getSession(id)).messages[1]?.id ?? '';
    let turnId = '';
    for await (const event of await client.regenerate(id, { messageId: answer })) {
      turnId = event.turnId;
    }
    const registry = server.runtime.api.registry;
    await waitFor(async () => (await registry.getTurn(turnId)) === null, { timeoutMs: 10_000 });
    const before = await client.getSession(id);
    await assert.rejects(client.regenerate(id, { messageId: answer }), {
      code: 'MESSAGE_ALREADY_ANSWERED',
    });
    assert.deepEqual(await client.getSession(id), before);
  });
});
