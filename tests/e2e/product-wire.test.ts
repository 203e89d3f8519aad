import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidChunk } from '../../src/protocol/chunk-validation.ts';
import { startFakeOpenAiServer } from '../support/fake-openai-server.ts';
import { chunksOf, readSse } from '../support/read-sse.ts';
import { startTestServer } from '../support/start-test-server.ts';
import {
  createSession,
  createTestTransport,
  TestChat,
  textOfMessage,
} from '../support/test-chat.ts';

describe('the product on the wire', () => {
  it('sends heartbeat comments through a long model silence and useChat still completes', async () => {
    const server = await startTestServer({
      HEARTBEAT_INTERVAL_MS: '40',
      DEMO_SLOW_SILENCE_MS: '400',
      DEMO_ANSWER_WORDS: '6',
    });
    try {
      const sessionId = await createSession(server.baseUrl);
      const response = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'take your time [demo:slow]' }),
      });
      const raw = await response.text();
      const heartbeats = raw.match(/^: heartbeat$/gm) ?? [];
      assert.ok(
        heartbeats.length >= 5,
        `expected heartbeats during 800 ms of silence, got ${heartbeats.length}`,
      );
      assert.ok(raw.endsWith('data: [DONE]\n\n'));

      const chat = new TestChat({
        id: await createSession(server.baseUrl),
        transport: createTestTransport(server.baseUrl),
      });
      await chat.sendMessage({ text: 'slowly [demo:slow]' });
      assert.equal(chat.status, 'ready');
      assert.match(textOfMessage(chat.lastMessage), /slowly/);
    } finally {
      await server.close();
    }
  });

  it('with chunk coalescing on, useChat ends with exactly the message of an uncoalesced run', async () => {
    const plain = await startTestServer({ DEMO_TOKEN_DELAY_MS: '1' });
    const coalescing = await startTestServer({
      DEMO_TOKEN_DELAY_MS: '1',
      COALESCE_WINDOW_MS: '15',
    });
    try {
      const answers = [];
      for (const server of [plain, coalescing]) {
        const chat = new TestChat({
          id: await createSession(server.baseUrl),
          transport: createTestTransport(server.baseUrl),
        });
        await chat.sendMessage({ text: 'count with me [demo:words=300]' });
        assert.equal(chat.status, 'ready');
        answers.push(chat.lastMessage?.parts);
      }
      assert.deepEqual(answers[1], answers[0]);
    } finally {
      await plain.close();
      await coalescing.close();
    }
  });

  it('runs a turn on an OpenAI-compatible endpoint: text, a tool call and a masked HTTP error', async () => {
    const fake = await startFakeOpenAiServer();
    const server = await startTestServer({
      OPENAI_BASE_URL: `${fake.url}/v1`,
      OPENAI_API_KEY: 'sk-test-key',
      MODEL: 'fake-model',
    });
    try {
      fake.enqueue({ type: 'text', deltas: ['Hello', ' from', ' upstream.'] });
      const chat = new TestChat({
        id: await createSession(server.baseUrl),
        transport: createTestTransport(server.baseUrl),
      });
      await chat.sendMessage({ text: 'hi' });
      assert.equal(textOfMessage(chat.lastMessage), 'Hello from upstream.');
      assert.equal(fake.requestHeaders[0]?.authorization, 'Bearer sk-test-key');
      assert.equal((fake.requests[0] as { model: string }).model, 'fake-model');

      fake.enqueue({
        type: 'tool-calls',
        toolCalls: [
          { id: 'call_1', name: 'calculator', argumentChunks: ['{"expre', 'ssion":"6*7"}'] },
        ],
      });
      fake.enqueue({ type: 'text', deltas: ['It is ', '42.'] });
      const sessionId = await createSession(server.baseUrl);
      const stream = await readSse(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'what is 6*7?' }),
      });
      const chunks = chunksOf(stream.events);
      for (const chunk of chunks) assert.ok(await isValidChunk(chunk), JSON.stringify(chunk));
      assert.deepEqual(
        chunks.find((chunk) => chunk.type === 'tool-output-available'),
        {
          type: 'tool-output-available',
          toolCallId: 'call_1',
          output: { expression: '6*7', result: 42 },
        },
      );
      // The step after the call sends its result (the requests after it title the session).
      const secondRequest = fake.requests
        .map((request) => JSON.stringify(request))
        .findLast((request) => request.includes('"role":"tool"'));
      assert.match(secondRequest ?? '', /42/);

      fake.enqueue({
        type: 'http-error',
        status: 401,
        message: 'Incorrect API key provided: sk-test-key',
      });
      const failing = new TestChat({
        id: await createSession(server.baseUrl),
        transport: createTestTransport(server.baseUrl),
      });
      await failing.sendMessage({ text: 'hello again' });
      assert.equal(failing.status, 'error');
      assert.doesNotMatch(failing.error?.message ?? '', /sk-test-key|Incorrect API key/);
    } finally {
      await server.close();
      await fake.close();
    }
  });
});
