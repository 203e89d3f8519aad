import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import type { UIMessage } from 'ai';
import type { FinishTurnInput } from './chat-store.ts';
import {
  type CreateChatStore,
  storeTest,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

function completedWith(turnId: string, assistantMessage: UIMessage): FinishTurnInput {
  return { turnId, status: 'completed', error: null, assistantMessage, usage: null };
}

/** How messages are kept: order, content, and the JSON text of parts and metadata. */
export function runMessageContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  describe('messages', () => {
    test('keeps messages in conversation order with parts and metadata exactly as given', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const question: UIMessage = {
        id: randomUUID(),
        role: 'user',
        metadata: { clientSentAt: '2025-01-02T03:04:05.678Z', attachments: [] },
        parts: [
          {
            type: 'text',
            text: 'Wetter in Zürich? 天気は？ مرحبا 👩🏽‍💻 e\u0301 "quoted" \\ \n\ttabs',
          },
          { type: 'file', mediaType: 'image/png', url: 'https://example.com/a.png' },
        ],
      };
      const first = await store.startTurn(turnInput(sessionId, question));
      const answer: UIMessage = {
        id: first.turn.assistantMessageId,
        role: 'assistant',
        metadata: { usage: { inputTokens: 12, outputTokens: 30 }, model: 'demo', ratio: 0.1 },
        parts: [
          { type: 'step-start' },
          { type: 'reasoning', text: 'Look it up.', state: 'done' },
          {
            type: 'tool-weather',
            toolCallId: 'call-1',
            state: 'output-available',
            input: { city: 'Zürich', units: ['celsius'], days: 3, hourly: false, hint: null },
            output: { temperature: -2.5, conditions: { sky: 'snow ❄️', wind: [10, 20] } },
          },
          {
            type: 'dynamic-tool',
            toolName: 'search',
            toolCallId: 'call-2',
            state: 'output-error',
            input: { query: '' },
            errorText: 'empty query',
          },
          { type: 'text', text: 'It is snowing.', state: 'done' },
        ],
      };
      await store.finishTurn(completedWith(first.turn.id, answer));
      const large = userMessage('lorem ipsum dolor sit amet '.repeat(20_000));
      await store.startTurn(turnInput(sessionId, large));
      assert.deepEqual(await store.listMessages(sessionId), [question, answer, large]);
    });

    test('keeps the key order of parts and metadata as written, on insert and on update', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      // Keys in neither alphabetical nor length order: jsonb would hand them back re-sorted
      // (shorter keys first), and a client shows the reloaded message differently.
      const question: UIMessage = {
        id: randomUUID(),
        role: 'user',
        parts: [{ type: 'text', text: 'What is 2 * 42?' }],
        metadata: { zone: 'Europe/Lisbon', context: { url: 'https://example.com', a: 1 } },
      };
      const first = await store.startTurn(turnInput(sessionId, question));
      const answer: UIMessage = {
        id: first.turn.assistantMessageId,
        role: 'assistant',
        parts: [
          { type: 'step-start' },
          {
            type: 'tool-calculator',
            toolCallId: 'call-1',
            state: 'output-available',
            input: { expression: '2 * 42' },
            output: { expression: '2 * 42', result: 84, steps: [{ z: 1, a: 2 }] },
          },
          { type: 'text', text: '2 * 42 = 84', state: 'done' },
        ],
        metadata: { usage: { outputTokens: 7, inputTokens: 12, totalTokens: 19 }, model: 'demo' },
      };
      await store.finishTurn(completedWith(first.turn.id, answer));
      // Parts and metadata as JSON text: equal values with keys in another order differ here.
      const asText = (messages: UIMessage[]) =>
        messages.map(({ id, parts, metadata }) => [
          id,
          JSON.stringify(parts),
          JSON.stringify(metadata),
        ]);
      assert.deepEqual(asText(await store.listMessages(sessionId)), asText([question, answer]));

      // A continuation rewrites the same message in place (the UPDATE path).
      const approval = userMessage('go on');
      const second = await store.startTurn({
        ...turnInput(sessionId, approval),
        assistantMessageId: answer.id,
      });
      const continued: UIMessage = {
        ...answer,
        parts: [...answer.parts, { type: 'text', text: 'Anything else?', state: 'done' }],
        metadata: { zeta: true, usage: { totalTokens: 30, outputTokens: 11, inputTokens: 19 } },
      };
      await store.finishTurn(completedWith(second.turn.id, continued));
      assert.deepEqual(
        asText(await store.listMessages(sessionId)),
        asText([question, continued, approval]),
      );
    });

    test('replaces NUL characters and unpaired surrogates, which Postgres cannot store', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const message: UIMessage = {
        id: randomUUID(),
        role: 'user',
        metadata: { 'key\u0000': 'value\ud800' },
        parts: [{ type: 'text', text: 'a\u0000b\udc00c 😀' }],
      };
      const { turn } = await store.startTurn(turnInput(sessionId, message));
      assert.deepEqual(await store.listMessages(sessionId), [
        {
          id: message.id,
          role: 'user',
          metadata: { 'key\uFFFD': 'value\uFFFD' },
          parts: [{ type: 'text', text: 'a\uFFFDb\uFFFDc 😀' }],
        },
      ]);
      await store.finishTurn({
        turnId: turn.id,
        status: 'failed',
        error: 'bad \u0000 byte',
        assistantMessage: null,
        usage: null,
      });
      assert.equal((await store.getTurn(turn.id))?.error, 'bad \uFFFD byte');
      assert.equal(await store.renameSession(sessionId, 'title\u0000'), true);
      assert.equal((await store.getSession(sessionId))?.title, 'title\uFFFD');
    });

    test('lists no messages for an empty or missing session', async (store) => {
      const { id } = await store.createSession({ userId: null });
      assert.deepEqual(await store.listMessages(id), []);
      assert.deepEqual(await store.listMessages(randomUUID()), []);
    });
  });
}
