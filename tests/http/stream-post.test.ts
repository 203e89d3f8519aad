import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { answerText, readTurnStream, wordCount } from './sse-events.ts';

describe('POST /api/chat/sessions/:id/stream', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({ DEMO_SLOW_SILENCE_MS: '300', HEARTBEAT_INTERVAL_MS: '50' });
    api = createApiClient(server);
  });
  after(() => server.close());

  const detail = async (id: string) =>
    expectJson<SessionDetail>(await api.call('GET', `/api/chat/sessions/${id}`));
  const transportBody = (sessionId: string, messages: unknown[]) => ({
    id: sessionId,
    messages,
    trigger: 'submit-message',
    messageId: undefined,
  });
  const userText = (id: string, text: string) => ({
    id,
    role: 'user',
    parts: [{ type: 'text', text }],
  });

  it('streams the turn with stream headers, ids 1..n, valid chunks and [DONE]; start.messageId is the stored answer', async () => {
    const id = await api.createSession();
    const stream = await readTurnStream(await api.postMessage(id, 'Hi [demo:words=12]'));
    const start = stream.chunks[0];
    assert.equal(start?.type, 'start');
    assert.equal(stream.chunks.at(-1)?.type, 'finish');
    assert.equal(wordCount(answerText(stream.chunks)), 12);
    const session = await detail(id);
    assert.equal(session.messages.length, 2);
    assert.equal(session.messages[1]?.role, 'assistant');
    assert.equal(session.messages[1]?.id, start.messageId);
    assert.equal((await server.runtime.api.registry.getTurn(stream.turnId))?.status, 'completed');
  });

  it('accepts the AI SDK transport body and answers only its last user message', async () => {
    const id = await api.createSession();
    const body = transportBody(id, [
      userText('earlier-question', 'ignored history'),
      { id: 'earlier-answer', role: 'assistant', parts: [{ type: 'text', text: 'old' }] },
      userText('transport-question', 'What now? [demo:words=5]'),
    ]);
    const response = await api.call('POST', `/api/chat/sessions/${id}/stream`, { json: body });
    const stream = await readTurnStream(response);
    assert.equal(wordCount(answerText(stream.chunks)), 5);
    const session = await detail(id);
    assert.deepEqual(
      session.messages.map((message) => [message.id, message.role]),
      [
        ['transport-question', 'user'],
        [stream.chunks[0]?.type === 'start' ? stream.chunks[0].messageId : '', 'assistant'],
      ],
      'the server keeps the history; the client history is not stored again',
    );
    assert.deepEqual(session.messages[0]?.parts, [
      { type: 'text', text: 'What now? [demo:words=5]' },
    ]);
  });

  it('keeps the seed body page context with the user message', async () => {
    const id = await api.createSession();
    const response = await api.call('POST', `/api/chat/sessions/${id}/stream`, {
      json: {
        message: 'Summarise this page [demo:words=4]',
        is_user_message: true,
        context: { url: 'https://example.com/a', content: 'page text' },
      },
    });
    await readTurnStream(response);
    const [user] = (await detail(id)).messages;
    assert.deepEqual(user?.metadata, {
      context: { url: 'https://example.com/a', content: 'page text' },
    });
  });

  it('streams tool calls as valid chunks and answers with the tool result', async () => {
    const id = await api.createSession();
    const stream = await readTurnStream(await api.postMessage(id, 'calculate 2+2'));
    const types = stream.chunks.map((chunk) => chunk.type);
    assert.ok(types.includes('tool-input-available'), types.join(' '));
    assert.ok(types.includes('tool-output-available'), types.join(' '));
    assert.match(answerText(stream.chunks), /\b4\b/);
  });

  it('ends a failed turn with a masked error chunk and [DONE], never the internal error', async () => {
    const id = await api.createSession();
    const stream = await readTurnStream(await api.postMessage(id, 'break [demo:fatal]'));
    const last = stream.chunks.at(-1);
    assert.equal(last?.type, 'error');
    assert.doesNotMatch(JSON.stringify(stream.chunks), /sk-demo-secret/);
    assert.equal((await server.runtime.api.registry.getTurn(stream.turnId))?.status, 'failed');
  });

  it('sends heartbeat comments without ids while the model is silent', async () => {
    const id = await api.createSession();
    const stream = await readTurnStream(
      await api.postMessage(id, 'think [demo:slow] [demo:words=4]'),
    );
    assert.ok(stream.heartbeats >= 2, `only ${stream.heartbeats} heartbeats`);
    assert.equal(wordCount(answerText(stream.chunks)), 4);
  });

  it('a client dropping the POST stream does not stop the turn', async () => {
    const id = await api.createSession();
    const response = await api.postMessage(id, 'keep going [demo:slow] [demo:words=6]');
    const reader = response.body?.getReader();
    assert.ok(reader);
    await reader.read();
    await reader.cancel();
    const turnId = await api.waitForRunningTurn(id);
    await waitFor(async () => (await server.runtime.api.registry.getActiveTurn(id)) === null, {
      timeoutMs: 5_000,
    });
    assert.equal((await server.runtime.api.registry.getTurn(turnId))?.status, 'completed');
    const answer = (await detail(id)).messages[1];
    assert.equal(wordCount(answer?.parts.map((part) => part.text ?? '').join('') ?? ''), 6);
  });

  it('a retried POST with the same message id during the turn re-attaches with a full replay', async () => {
    const id = await api.createSession();
    const text = 'once only [demo:slow] [demo:words=6]';
    const first = await api.postMessage(id, text, { messageId: 'retry-me' });
    const retry = await api.postMessage(id, text, { messageId: 'retry-me' });
    assert.equal(retry.status, 200);
    const [original, replayed] = await Promise.all([readTurnStream(first), readTurnStream(retry)]);
    assert.equal(replayed.turnId, original.turnId);
    assert.deepEqual(replayed.events, original.events);
    const session = await detail(id);
    assert.deepEqual(
      session.messages.map((message) => [message.id, message.role]),
      [
        ['retry-me', 'user'],
        [session.messages[1]?.id, 'assistant'],
      ],
    );
  });

  it('a retried POST after the turn ended replays that turn without a second message or turn', async () => {
    const id = await api.createSession();
    const body = transportBody(id, [userText('answered-once', 'answer me [demo:words=5]')]);
    const path = `/api/chat/sessions/${id}/stream`;
    const original = await readTurnStream(await api.call('POST', path, { json: body }));
    const before = await detail(id);
    const replayed = await readTurnStream(await api.call('POST', path, { json: body }));
    assert.equal(replayed.turnId, original.turnId);
    assert.deepEqual(replayed.events, original.events);
    const afterRetry = await detail(id);
    assert.deepEqual(afterRetry.messages, before.messages);
    assert.equal(afterRetry.messages.length, 2);
    assert.equal(afterRetry.active_stream, null);
  });

  it('with multitask reject, refuses a second message during a turn with 409 TURN_ALREADY_ACTIVE; the turn completes in full', async () => {
    const id = await api.createSession();
    const running = await api.postMessage(id, 'first [demo:slow] [demo:words=9]');
    const turnId = await api.waitForRunningTurn(id);
    const refused = await expectError(
      await api.postMessage(id, 'second [demo:words=3]', { multitask: 'reject' }),
      409,
      'TURN_ALREADY_ACTIVE',
    );
    assert.deepEqual(refused.error.details, { turn_id: turnId });
    await expectError(
      await api.call('POST', `/api/chat/sessions/${id}/stream`, {
        json: {
          ...transportBody(id, [userText('other-message', 'again [demo:words=3]')]),
          multitask: 'reject',
        },
      }),
      409,
      'TURN_ALREADY_ACTIVE',
    );
    const stream = await readTurnStream(running);
    assert.equal(stream.turnId, turnId);
    assert.equal(stream.chunks.at(-1)?.type, 'finish');
    assert.equal(wordCount(answerText(stream.chunks)), 9);
    const session = await detail(id);
    assert.deepEqual(
      session.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.match(session.messages[0]?.parts[0]?.text ?? '', /^first/);
  });

  it('answers a POST to a session with a finished turn with a new turn', async () => {
    const id = await api.createSession();
    const first = await readTurnStream(await api.postMessage(id, 'one [demo:words=3]'));
    const second = await readTurnStream(await api.postMessage(id, 'two [demo:words=4]'));
    assert.notEqual(second.turnId, first.turnId);
    assert.equal(wordCount(answerText(second.chunks)), 4);
    assert.equal((await detail(id)).messages.length, 4);
  });
});
