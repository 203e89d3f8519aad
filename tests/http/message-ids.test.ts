import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { answerText, readTurnStream, wordCount } from './sse-events.ts';

/**
 * A message id is the client's idempotency key within its session: another user's session may
 * hold the same id, and nothing a caller sends in its own session tells it so or is blocked by it.
 */
describe('message ids are scoped to their session', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  const tokens = { a: '', b: '' };

  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret });
    api = createApiClient(server);
    tokens.a = await tokenFor(userA);
    tokens.b = await tokenFor(userB);
  });
  after(() => server.close());

  const detail = async (sessionId: string, token: string) =>
    expectJson<SessionDetail>(await api.call('GET', `/api/chat/sessions/${sessionId}`, { token }));
  const texts = (session: SessionDetail) =>
    session.messages.map((message) => [message.id, message.role, message.parts[0]?.text]);

  /** Posts a message in the session and reads its answer to the end. */
  async function send(sessionId: string, token: string, text: string, messageId: string) {
    return readTurnStream(await api.postMessage(sessionId, text, { token, messageId }));
  }

  it("answers user B's message with user A's message id in B's own session, revealing nothing", async () => {
    const sessionOfA = await api.createSession(tokens.a);
    const sharedId = randomUUID();
    await send(sessionOfA, tokens.a, 'private question of A [demo:words=3]', sharedId);
    const before = texts(await detail(sessionOfA, tokens.a));

    const sessionOfB = await api.createSession(tokens.b);
    const reused = await api.postMessage(sessionOfB, 'question of B [demo:words=5]', {
      token: tokens.b,
      messageId: sharedId,
    });
    const freshSession = await api.createSession(tokens.b);
    const fresh = await api.postMessage(freshSession, 'question of B [demo:words=5]', {
      token: tokens.b,
      messageId: randomUUID(),
    });
    // The same answer, header for header, as a message with an id no one ever used.
    assert.deepEqual([...reused.headers.keys()].sort(), [...fresh.headers.keys()].sort());
    const stream = await readTurnStream(reused);
    await readTurnStream(fresh);
    assert.equal(stream.chunks.at(-1)?.type, 'finish');
    assert.equal(wordCount(answerText(stream.chunks)), 5);

    const sessionB = await detail(sessionOfB, tokens.b);
    assert.deepEqual(sessionB.messages[0], {
      id: sharedId,
      role: 'user',
      parts: [{ type: 'text', text: 'question of B [demo:words=5]' }],
    });
    assert.equal(sessionB.messages.length, 2);
    assert.deepEqual(texts(await detail(sessionOfA, tokens.a)), before);

    // A retry in B's session is still idempotent: it replays B's turn, stores nothing new.
    const retried = await send(sessionOfB, tokens.b, 'question of B [demo:words=5]', sharedId);
    assert.equal(retried.turnId, stream.turnId);
    assert.deepEqual(retried.events, stream.events);
    assert.deepEqual(texts(await detail(sessionOfB, tokens.b)), texts(sessionB));
  });

  it("an id squatted in another user's session does not block its owner", async () => {
    const squattedId = randomUUID();
    const sessionOfB = await api.createSession(tokens.b);
    await send(sessionOfB, tokens.b, 'squatting [demo:words=2]', squattedId);

    const sessionOfA = await api.createSession(tokens.a);
    const stream = await send(sessionOfA, tokens.a, 'the real one [demo:words=4]', squattedId);
    assert.equal(wordCount(answerText(stream.chunks)), 4);
    const sessionA = await detail(sessionOfA, tokens.a);
    assert.deepEqual(sessionA.messages[0]?.parts, [
      { type: 'text', text: 'the real one [demo:words=4]' },
    ]);
    assert.equal(sessionA.messages[0]?.id, squattedId);
    assert.equal(sessionA.messages[1]?.role, 'assistant');
  });

  it("an edit of a shared id changes only the caller's session; another's answer stays unknown", async () => {
    const sharedId = randomUUID();
    const sessionOfA = await api.createSession(tokens.a);
    const start = (await send(sessionOfA, tokens.a, 'A asks [demo:words=3]', sharedId)).chunks[0];
    assert.ok(start?.type === 'start' && start.messageId !== undefined);
    const answerOfA = start.messageId;
    const sessionOfB = await api.createSession(tokens.b);
    await send(sessionOfB, tokens.b, 'B asks [demo:words=3]', sharedId);
    const before = texts(await detail(sessionOfA, tokens.a));

    const edited = { id: sharedId, role: 'user', parts: [{ type: 'text', text: 'B, edited' }] };
    const edit = await api.call('POST', `/api/chat/sessions/${sessionOfB}/stream`, {
      token: tokens.b,
      json: { id: sessionOfB, messages: [edited], trigger: 'submit-message', messageId: sharedId },
    });
    await readTurnStream(edit);
    const sessionB = await detail(sessionOfB, tokens.b);
    assert.deepEqual(sessionB.messages[0], edited);
    assert.equal(sessionB.messages.length, 2);
    assert.deepEqual(texts(await detail(sessionOfA, tokens.a)), before);

    // A's answer id names nothing in B's session: the same 404 as an id no one ever used.
    for (const messageId of [answerOfA, randomUUID()]) {
      await expectError(
        await api.call('POST', `/api/chat/sessions/${sessionOfB}/stream`, {
          token: tokens.b,
          json: { message: '', message_id: messageId },
        }),
        404,
        'MESSAGE_NOT_FOUND',
      );
    }
  });
});
