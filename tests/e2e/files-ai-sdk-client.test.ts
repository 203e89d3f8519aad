import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FileUIPart, UIMessage } from 'ai';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createSession, createTestTransport, TestChat } from '../support/test-chat.ts';
import { visitorCookieHeader, visitorKeyFor } from '../support/visitor-keys.ts';

describe('files sent by the real AI SDK client', () => {
  let server: TestServer;
  const visitor = visitorCookieHeader(visitorKeyFor('ai-sdk-files'));
  before(async () => {
    server = await startTestServer({ DEMO_TOKEN_DELAY_MS: '1', DEMO_ANSWER_WORDS: '5' });
  });
  after(() => server.close());

  it('sendMessage({text, files}) stores the file parts, and a reload shows the message as sent', async () => {
    const form = new FormData();
    form.set('file', new File(['a,b\n1,2\n'], 'table.csv', { type: 'text/csv' }));
    const uploaded = (await (
      await fetch(`${server.baseUrl}/api/chat/files`, {
        method: 'POST',
        headers: visitor,
        body: form,
      })
    ).json()) as { url: string };
    const files: FileUIPart[] = [
      {
        type: 'file',
        mediaType: 'image/png',
        filename: 'dot.png',
        url: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      },
      { type: 'file', mediaType: 'text/csv', filename: 'table.csv', url: uploaded.url },
    ];
    const sessionId = await createSession(server.baseUrl, visitor);
    const chat = new TestChat({
      id: sessionId,
      transport: createTestTransport(server.baseUrl, visitor),
    });
    await chat.sendMessage({ text: 'What do these show?', files });
    assert.equal(chat.status, 'ready');
    assert.equal(chat.error, undefined);
    const sent = chat.messages[0];
    assert.equal(sent?.role, 'user');
    const reloaded = (await (
      await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`, { headers: visitor })
    ).json()) as { messages: UIMessage[] };
    assert.deepEqual(reloaded.messages[0]?.parts, sent.parts);
    assert.deepEqual(
      reloaded.messages[0]?.parts.filter((part) => part.type === 'file'),
      files,
    );
    assert.equal(reloaded.messages[1]?.role, 'assistant');
  });
});
