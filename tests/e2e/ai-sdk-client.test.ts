import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import {
  createSession,
  createTestTransport,
  TestChat,
  textOfMessage,
} from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

interface SessionDetail {
  messages: UIMessage[];
  active_stream: { turn_id: string; assistant_message_id: string } | null;
}

describe('the real AI SDK client against durable-chat', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ DEMO_TOKEN_DELAY_MS: '3', DEMO_ANSWER_WORDS: '30' });
  });
  after(() => server.close());

  const getSession = async (id: string): Promise<SessionDetail> =>
    (await (await fetch(`${server.baseUrl}/api/chat/sessions/${id}`)).json()) as SessionDetail;

  /** The answer to `text` when nothing interrupts it: the demo model is deterministic. */
  async function uninterruptedAnswer(text: string): Promise<string> {
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    await chat.sendMessage({ text });
    return textOfMessage(chat.lastMessage);
  }

  it('sends a message and receives the streamed answer that is also persisted under start.messageId', async () => {
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    await chat.sendMessage({ text: 'Hello there' });
    assert.equal(chat.status, 'ready');
    assert.equal(chat.error, undefined);
    assert.deepEqual(
      chat.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    const answer = textOfMessage(chat.lastMessage);
    assert.match(answer, /Hello there/);
    assert.equal(answer.trim().split(/\s+/).length >= 30, true);
    const persisted = await getSession(sessionId);
    assert.equal(persisted.active_stream, null);
    assert.deepEqual(
      persisted.messages.map((message) => [message.id, message.role]),
      chat.messages.map((message) => [message.id, message.role]),
    );
    assert.equal(textOfMessage(persisted.messages[1]), answer);
    const usage = (chat.lastMessage?.metadata as { usage?: { outputTokens?: number } } | undefined)
      ?.usage;
    assert.equal(usage?.outputTokens, 30, 'token usage travels as message metadata');
    assert.deepEqual(
      persisted.messages[1]?.metadata,
      JSON.parse(JSON.stringify(chat.lastMessage?.metadata)),
    );
    const session = await server.runtime.api.store.getSession(sessionId);
    assert.equal(session?.usage.outputTokens, 30, 'and is added to the session totals');
  });

  it('a reload mid-turn resumes into exactly one assistant message equal to the uninterrupted answer', async () => {
    const text = 'Tell me a long story [demo:words=300]';
    const expected = await uninterruptedAnswer(text);
    const sessionId = await createSession(server.baseUrl);
    const first = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    const sending = first.sendMessage({ text });
    await waitFor(() => textOfMessage(first.lastMessage).split(' ').length > 20);
    await first.stop(); // the tab goes away: a disconnect, never a cancel
    await sending;

    const reloaded = await getSession(sessionId);
    assert.notEqual(reloaded.active_stream, null, 'the turn keeps running without a client');
    const second = new TestChat({
      id: sessionId,
      messages: reloaded.messages,
      transport: createTestTransport(server.baseUrl),
    });
    await second.resumeStream();
    assert.equal(second.status, 'ready');
    const assistants = second.messages.filter((message) => message.role === 'assistant');
    assert.equal(assistants.length, 1);
    assert.equal(assistants[0]?.id, reloaded.active_stream?.assistant_message_id);
    assert.equal(textOfMessage(assistants[0]), expected);
    const persisted = await getSession(sessionId);
    assert.equal(textOfMessage(persisted.messages.at(-1)), expected);
  });

  it('Stop then cancel ends the turn as a stop: status ready, no error, partial text kept and persisted', async () => {
    const text = 'Keep talking [demo:words=2000]';
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    const sending = chat.sendMessage({ text });
    await waitFor(() => textOfMessage(chat.lastMessage).split(' ').length > 10);
    const cancel = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/cancel`, {
      method: 'POST',
    });
    assert.deepEqual(await cancel.json(), { cancelled: true });
    await sending;
    assert.equal(chat.status, 'ready');
    assert.equal(chat.error, undefined);
    const partial = textOfMessage(chat.lastMessage);
    assert.ok(partial.length > 0);
    const persisted = await getSession(sessionId);
    assert.equal(persisted.active_stream, null);
    const stored = persisted.messages.at(-1);
    assert.equal(stored?.role, 'assistant');
    assert.equal(textOfMessage(stored), partial);
    assert.ok(partial.split(' ').length < 2000);
    const resume = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`);
    assert.equal(resume.status, 204);
  });

  it('a tool-call turn shows the calculator call with its output and an answer that uses it', async () => {
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    await chat.sendMessage({ text: 'calculate 12*(3+4)' });
    assert.equal(chat.status, 'ready');
    const assistant = chat.lastMessage;
    const toolPart = assistant?.parts.find((part) => part.type === 'tool-calculator') as
      { state: string; input: unknown; output: unknown } | undefined;
    assert.ok(toolPart, 'the calculator tool part is there');
    assert.equal(toolPart.state, 'output-available');
    assert.deepEqual(toolPart.input, { expression: '12*(3+4)' });
    assert.match(JSON.stringify(toolPart.output), /84/);
    assert.match(textOfMessage(assistant), /84/);
    const persisted = await getSession(sessionId);
    assert.deepEqual(
      persisted.messages.at(-1)?.parts,
      JSON.parse(JSON.stringify(assistant?.parts)),
    );
  });

  it('a failing tool call is shown as a tool error and the turn still completes', async () => {
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    await chat.sendMessage({ text: 'calculate 1/0' });
    assert.equal(chat.status, 'ready');
    assert.equal(chat.error, undefined);
    const toolPart = chat.lastMessage?.parts.find((part) => part.type === 'tool-calculator') as
      { state: string; errorText?: string } | undefined;
    assert.equal(toolPart?.state, 'output-error');
    // The tool's own error, as the model read it, not the masked text of a failed turn.
    assert.match(toolPart?.errorText ?? '', /^(Error: )?division by zero$/);
    assert.match(textOfMessage(chat.lastMessage), /failed/);
    const stored = await server.runtime.api.store.listMessages(sessionId);
    assert.deepEqual(
      stored.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.equal(textOfMessage(stored[1]), textOfMessage(chat.lastMessage));
  });

  it('a model failure reaches useChat as a masked error and the partial answer is kept', async () => {
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    await chat.sendMessage({ text: 'break please [demo:fatal]' });
    assert.equal(chat.status, 'error');
    assert.ok(chat.error);
    assert.doesNotMatch(chat.error.message, /sk-demo-secret/);
    const transient = new TestChat({
      id: await createSession(server.baseUrl),
      transport: createTestTransport(server.baseUrl),
    });
    await transient.sendMessage({ text: 'flaky [demo:transient]' });
    assert.equal(transient.status, 'error');
    assert.ok(
      textOfMessage(transient.lastMessage).length > 0,
      'partial text before the failure is kept',
    );
  });

  it('with multitask reject, a second message while a turn runs is refused with 409 TURN_ALREADY_ACTIVE and the running turn is untouched', async () => {
    const text = 'first [demo:words=400]';
    const expected = await uninterruptedAnswer(text);
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    const sending = chat.sendMessage({ text });
    await waitFor(() => textOfMessage(chat.lastMessage).length > 0);
    const intruder = new TestChat({
      id: sessionId,
      transport: createTestTransport(server.baseUrl, {}, { multitask: 'reject' }),
    });
    await intruder.sendMessage({ text: 'second' });
    assert.equal(intruder.status, 'error');
    assert.match(intruder.error?.message ?? '', /TURN_ALREADY_ACTIVE/);
    await sending;
    assert.equal(textOfMessage(chat.lastMessage), expected);
  });
});
