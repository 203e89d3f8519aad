import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFakeOpenAiServer } from '../support/fake-openai-server.ts';
import { startTestServer } from '../support/start-test-server.ts';
import { createApiClient } from '../http/api-client.ts';
import { answerText, readTurnStream } from '../http/sse-events.ts';

describe('the configured system prompt', { timeout: 60_000 }, () => {
  it('is what the model reads first, with the page context still on the message', async () => {
    const fake = await startFakeOpenAiServer();
    const server = await startTestServer({
      OPENAI_BASE_URL: `${fake.url}/v1`,
      SYSTEM_PROMPT: 'You answer as a ship captain.',
    });
    try {
      const api = createApiClient(server);
      const sessionId = await api.createSession();
      fake.enqueue({ type: 'text', deltas: ['Aye.'] });
      const turn = await readTurnStream(
        await api.call('POST', `/api/chat/sessions/${sessionId}/stream`, {
          json: { message: 'Where are we?', context: { url: 'https://example.com/map' } },
        }),
      );
      assert.equal(answerText(turn.chunks), 'Aye.');
      const answering = fake.requests[0] as { messages: { role: string; content: unknown }[] };
      assert.deepEqual(answering.messages[0], {
        role: 'system',
        content: 'You answer as a ship captain.',
      });
      assert.match(JSON.stringify(answering.messages[1]), /Page: https:\/\/example\.com\/map/);
    } finally {
      await server.close();
      await fake.close();
    }
  });
});
