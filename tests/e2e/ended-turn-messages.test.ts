import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import {
  createSession,
  createTestTransport,
  TestChat,
  textOfMessage,
} from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

async function messagesOf(server: TestServer, sessionId: string): Promise<UIMessage[]> {
  const response = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { messages: UIMessage[] }).messages;
}

describe('what a reload shows of failed and stopped turns', () => {
  it('keeps a turn that failed before answering as an assistant message with the masked error, and the next turn still answers', async () => {
    const server = await startTestServer();
    try {
      const sessionId = await createSession(server.baseUrl);
      const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
      await chat.sendMessage({ text: 'break [demo:fatal]' });
      assert.equal(chat.status, 'error');

      const [user, failed] = await messagesOf(server, sessionId);
      assert.equal(user?.role, 'user');
      assert.equal(failed?.role, 'assistant');
      assert.deepEqual(failed?.parts, []);
      const metadata = failed?.metadata as { status?: string; errorText?: string };
      assert.equal(metadata.status, 'failed');
      assert.equal(metadata.errorText, chat.error?.message);

      const next = new TestChat({
        id: sessionId,
        messages: await messagesOf(server, sessionId),
        transport: createTestTransport(server.baseUrl),
      });
      await next.sendMessage({ text: 'hello again' });
      assert.equal(next.status, 'ready');
      assert.match(textOfMessage(next.lastMessage), /hello again/);
    } finally {
      await server.close();
    }
  });

  it('marks a stopped answer as cancelled and keeps its partial text; a completed answer has no status', async () => {
    const server = await startTestServer({ DEMO_TOKEN_DELAY_MS: '20', DEMO_ANSWER_WORDS: '200' });
    try {
      const sessionId = await createSession(server.baseUrl);
      const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
      const sending = chat.sendMessage({ text: 'talk for a while' });
      await waitFor(() => textOfMessage(chat.lastMessage).split(' ').length > 5);
      const cancel = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/cancel`, {
        method: 'POST',
      });
      assert.equal(cancel.status, 200);
      await sending;
      const liveText = textOfMessage(chat.lastMessage);

      const stopped = (await messagesOf(server, sessionId)).at(-1);
      assert.equal((stopped?.metadata as { status?: string }).status, 'cancelled');
      assert.equal(textOfMessage(stopped), liveText);
      assert.ok(liveText.length > 0);

      const done = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
      await done.sendMessage({ text: 'short [demo:words=3]' });
      const completed = (await messagesOf(server, sessionId)).at(-1);
      assert.equal(completed?.role, 'assistant');
      assert.equal((completed?.metadata as { status?: string }).status, undefined);
      assert.ok((completed?.metadata as { usage?: unknown }).usage);
    } finally {
      await server.close();
    }
  });
});
