import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from '../support/start-test-server.ts';
import { createChatTransport, DurableChatClient } from '../../src/client/index.ts';
import { turnOutcomes } from '../../src/turn/turn-outcomes.ts';
import { createSession, TestChat, textOfMessage } from '../support/test-chat.ts';
import { readSse } from '../support/read-sse.ts';

describe('a turn queue outage', () => {
  it('answers 503, leaves no orphaned message or running turn, and the same message works once the queue is back', async () => {
    const server = await startTestServer();
    try {
      const { queue, store, registry } = server.runtime.api;
      const enqueue = queue.enqueue.bind(queue);
      queue.enqueue = async () => {
        throw new Error('broker unreachable');
      };
      const sessionId = await createSession(server.baseUrl);
      const body = JSON.stringify({ message: 'are you there?', message_id: 'retry-me-1' });
      const send = () =>
        readSse(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
      const refused = await send();
      assert.equal(refused.status, 503);
      assert.equal((refused.body as { error: { code: string } }).error.code, 'SERVICE_UNAVAILABLE');
      assert.deepEqual(await store.listMessages(sessionId), []);
      assert.equal(await registry.getActiveTurn(sessionId), null);

      queue.enqueue = enqueue;
      const answered = await send();
      assert.equal(answered.status, 200);
      assert.equal(answered.done, true);
      const messages = await store.listMessages(sessionId);
      assert.deepEqual(
        messages.map((message) => [message.id === 'retry-me-1', message.role]),
        [
          [true, 'user'],
          [false, 'assistant'],
        ],
      );
    } finally {
      await server.close();
    }
  });

  it('a regenerate refused by the outage leaves a failed answer that Retry replaces once it is back', async () => {
    const server = await startTestServer();
    try {
      const { queue, store, registry } = server.runtime.api;
      const client = new DurableChatClient({ baseUrl: server.baseUrl });
      const chat = new TestChat({
        id: (await client.createSession()).id,
        transport: createChatTransport({ baseUrl: server.baseUrl }),
      });
      await chat.sendMessage({ text: 'first' });
      const enqueue = queue.enqueue.bind(queue);
      queue.enqueue = async () => {
        throw new Error('broker unreachable');
      };
      await chat.regenerate({ messageId: chat.lastMessage?.id ?? '' });
      assert.equal(chat.status, 'error');
      // The SDK retries a 503; the retry finds the failed turn the first attempt left and
      // replays it, so the chat shows the same failed answer the store keeps.
      assert.equal(chat.error?.message, turnOutcomes.notQueued.publicErrorText);
      assert.equal(await registry.getActiveTurn(chat.id), null);
      const failed = await store.listMessages(chat.id);
      assert.deepEqual(
        failed.map((message) => [message.role, message.metadata]),
        [
          ['user', undefined],
          ['assistant', { status: 'failed', errorText: turnOutcomes.notQueued.publicErrorText }],
        ],
      );
      assert.equal(chat.lastMessage?.id, failed[1]?.id);

      queue.enqueue = enqueue;
      const retry = new TestChat({
        id: chat.id,
        messages: failed,
        transport: createChatTransport({ baseUrl: server.baseUrl }),
      });
      await retry.regenerate({ messageId: failed[1]?.id ?? '' });
      assert.equal(retry.status, 'ready');
      const messages = await store.listMessages(chat.id);
      assert.deepEqual(
        messages.map((message) => [message.role, textOfMessage(message).split('.')[0]]),
        [
          ['user', 'first'],
          ['assistant', 'You said: "first"'],
        ],
      );
    } finally {
      await server.close();
    }
  });

  it('regenerate() of a message the outage refused sends it once the queue is back', async () => {
    const server = await startTestServer();
    try {
      const { queue, store } = server.runtime.api;
      const client = new DurableChatClient({ baseUrl: server.baseUrl });
      const chat = new TestChat({
        id: (await client.createSession()).id,
        transport: createChatTransport({ baseUrl: server.baseUrl }),
      });
      const enqueue = queue.enqueue.bind(queue);
      queue.enqueue = async () => {
        throw new Error('broker unreachable');
      };
      await chat.sendMessage({ text: 'never arrived' });
      assert.equal(chat.status, 'error');
      assert.deepEqual(await store.listMessages(chat.id), []);

      queue.enqueue = enqueue;
      await chat.regenerate();
      assert.equal(chat.status, 'ready');
      const session = await client.getSession(chat.id);
      assert.deepEqual(
        session.messages.map(({ id, role }) => [id, role]),
        chat.messages.map(({ id, role }) => [id, role]),
      );
      assert.equal(session.messages.length, 2);
      assert.equal(session.title, 'never arrived');
    } finally {
      await server.close();
    }
  });
});
