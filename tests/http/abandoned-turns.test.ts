import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { answerText, readTurnStream, wordCount } from './sse-events.ts';

/**
 * An API process that dies between opening a turn and queueing it leaves a registry turn behind
 * that nothing will run. These tests leave such a turn exactly as the dead process would have
 * (opened with an enqueue deadline, maybe stored, never confirmed) and check what the next
 * request to the session gets.
 */
describe('a turn abandoned by the API process that opened it', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({ ENQUEUE_TIMEOUT_MS: '60000' });
    api = createApiClient(server);
  });
  after(() => server.close());

  const detail = async (id: string) =>
    expectJson<SessionDetail>(await api.call('GET', `/api/chat/sessions/${id}`));

  /** What the dead process left: a registry turn past (or within) its deadline, maybe stored. */
  async function leaveTurn(
    sessionId: string,
    messageId: string,
    options: { enqueueTimeoutMs: number; stored: boolean },
  ): Promise<string> {
    const { registry, store } = server.runtime.api;
    const turnId = randomUUID();
    const assistantMessageId = randomUUID();
    const opened = await registry.openTurn({
      turnId,
      sessionId,
      userId: null,
      userMessageId: messageId,
      assistantMessageId,
      enqueueTimeoutMs: options.enqueueTimeoutMs,
    });
    assert.ok(opened.opened);
    if (options.stored) {
      await store.startTurn({
        sessionId,
        turnId,
        assistantMessageId,
        userMessage: {
          id: messageId,
          role: 'user',
          parts: [{ type: 'text', text: 'lost in a crash [demo:words=4]' }],
        },
      });
    }
    return turnId;
  }

  for (const stored of [false, true]) {
    it(`answers a retry of the message with a new turn (message ${stored ? 'stored' : 'not stored'} before the crash)`, async () => {
      const sessionId = await api.createSession();
      const messageId = randomUUID();
      const abandoned = await leaveTurn(sessionId, messageId, { enqueueTimeoutMs: 0, stored });
      const stream = await readTurnStream(
        await api.postMessage(sessionId, 'lost in a crash [demo:words=4]', { messageId }),
      );
      assert.notEqual(stream.turnId, abandoned, 'not the abandoned turn replayed');
      assert.equal(stream.chunks.at(-1)?.type, 'finish');
      assert.equal(wordCount(answerText(stream.chunks)), 4);
      const session = await detail(sessionId);
      assert.deepEqual(
        session.messages.map((message) => message.role),
        ['user', 'assistant'],
        'the message once, answered once',
      );
      assert.equal(session.messages[0]?.id, messageId);
      assert.equal((await server.runtime.api.registry.getTurn(abandoned))?.status, 'failed');
    });
  }

  it('answers a new message in the session instead of refusing it', async () => {
    const sessionId = await api.createSession();
    const abandoned = await leaveTurn(sessionId, randomUUID(), {
      enqueueTimeoutMs: 0,
      stored: true,
    });
    const stream = await readTurnStream(await api.postMessage(sessionId, 'Next [demo:words=3]'));
    assert.equal(wordCount(answerText(stream.chunks)), 3);
    const session = await detail(sessionId);
    assert.deepEqual(
      session.messages.map((message) => message.role),
      ['user', 'assistant'],
      'the never-queued message is undone, as when the queue refuses it',
    );
    assert.equal((await server.runtime.api.registry.getTurn(abandoned))?.status, 'failed');
  });

  for (const request of ['a new message', 'a regenerate'] as const) {
    it(`ends a stored turn the registry lost before storing ${request}, keeping the order`, async () => {
      const sessionId = await api.createSession();
      const { store, registry } = server.runtime.api;
      await readTurnStream(await api.postMessage(sessionId, 'First [demo:words=2]'));
      // A turn stored as queued whose registry state is gone (a Redis restarted without
      // persistence): no registry turn, nothing runs it.
      const lost = await store.startTurn({
        sessionId,
        turnId: randomUUID(),
        assistantMessageId: randomUUID(),
        userMessage: { id: 'lost', role: 'user', parts: [{ type: 'text', text: 'lost' }] },
      });
      assert.equal(await registry.getTurn(lost.turn.id), null);
      const response =
        request === 'a new message'
          ? await api.postMessage(sessionId, 'Next [demo:words=3]')
          : await api.call('POST', `/api/chat/sessions/${sessionId}/stream`, { json: {} });
      const stream = await readTurnStream(response);
      assert.equal(stream.chunks.at(-1)?.type, 'finish');
      assert.equal((await store.getTurn(lost.turn.id))?.status, 'failed');
      const roles = (await detail(sessionId)).messages.map((message) => message.role);
      assert.deepEqual(
        roles,
        request === 'a new message'
          ? ['user', 'assistant', 'user', 'assistant', 'user', 'assistant']
          : ['user', 'assistant', 'user', 'assistant'],
        'the lost turn ended (its answer failed) before the new request was stored',
      );
      assert.deepEqual(await store.listUnfinishedTurnsOfSession(sessionId), []);
    });
  }

  it('keeps a turn within its enqueue deadline: a new message is refused with 409', async () => {
    const sessionId = await api.createSession();
    const turnId = await leaveTurn(sessionId, randomUUID(), {
      enqueueTimeoutMs: 60_000,
      stored: false,
    });
    await expectError(
      await api.postMessage(sessionId, 'too early', { multitask: 'reject' }),
      409,
      'TURN_ALREADY_ACTIVE',
    );
    assert.equal((await server.runtime.api.registry.getTurn(turnId))?.status, 'running');
  });

  it('never takes a turn that an executor leased for abandoned', async () => {
    const sessionId = await api.createSession();
    const turnId = await leaveTurn(sessionId, randomUUID(), { enqueueTimeoutMs: 0, stored: true });
    await server.runtime.api.registry.acquireLease(turnId, 'some-executor', 60_000);
    await expectError(
      await api.postMessage(sessionId, 'busy', { multitask: 'reject' }),
      409,
      'TURN_ALREADY_ACTIVE',
    );
    assert.equal((await server.runtime.api.registry.getTurn(turnId))?.status, 'running');
  });

  it('confirms the turns it queues, so none of them is ever taken for abandoned', async () => {
    const sessionId = await api.createSession();
    // A silence before the answer keeps the turn running past its confirmation.
    const response = await api.postMessage(sessionId, 'Hi [demo:slow]');
    const turnId = response.headers.get('x-durable-chat-turn-id') ?? '';
    const turn = await server.runtime.api.registry.getTurn(turnId);
    assert.equal(turn?.status, 'running');
    assert.equal(turn.enqueueDeadline, null);
    await readTurnStream(response);
  });
});
