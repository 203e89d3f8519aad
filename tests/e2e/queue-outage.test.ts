import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from '../support/start-test-server.ts';
import { createSession } from '../support/test-chat.ts';
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
});
