import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { estimateHistoryTokens } from '../../src/executor/context-budget.ts';
import type { ChatStore } from '../../src/store/chat-store.ts';
import { createPgliteSqlClient } from '../../src/store/pglite-sql-client.ts';
import type { SqlClient } from '../../src/store/sql-client.ts';
import { SqlChatStore } from '../../src/store/sql-chat-store.ts';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../support/fake-openai-server.ts';
import { insertLongHistory } from '../support/long-history.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createApiClient } from '../http/api-client.ts';
import { answerText, readTurnStream } from '../http/sse-events.ts';

/** A context far smaller than the session: 8,000 tokens against more than 200,000. */
const context = { MODEL_CONTEXT_TOKENS: '8000', MAX_OUTPUT_TOKENS: '500' };
/** Seeded questions and answers, about 70 estimated tokens each: over 200,000 in all. */
const seededMessages = 3_000;

interface OpenAiMessage {
  role: string;
  content?: string | null;
  tool_calls?: { id: string }[];
  tool_call_id?: string;
}

async function openStore(): Promise<{ client: SqlClient; store: ChatStore }> {
  const client = await createPgliteSqlClient({});
  return { client, store: await SqlChatStore.open(client) };
}

/** A long session: the seeded history, then `toolExchanges` answers that called the calculator. */
async function longSession(
  client: SqlClient,
  store: ChatStore,
  toolExchanges = 0,
): Promise<string> {
  const session = await store.createSession({ userId: null });
  await insertLongHistory(client, session.id, seededMessages);
  for (let index = 0; index < toolExchanges; index += 1) {
    const turnId = randomUUID();
    const assistantMessageId = randomUUID();
    await store.startTurn({
      sessionId: session.id,
      turnId,
      assistantMessageId,
      userMessage: {
        id: randomUUID(),
        role: 'user',
        parts: [{ type: 'text', text: `What is 6*${index}?` }],
      },
    });
    const toolAnswer: UIMessage = {
      id: assistantMessageId,
      role: 'assistant',
      parts: [
        {
          type: 'tool-calculator',
          toolCallId: `call-${index}`,
          state: 'output-available',
          input: { expression: `6*${index}` },
          output: { result: 6 * index },
        },
        { type: 'text', text: `It is ${6 * index}.`, state: 'done' },
      ],
    };
    await store.finishTurn({
      turnId,
      status: 'completed',
      error: null,
      assistantMessage: toolAnswer,
      usage: null,
    });
  }
  assert.ok(estimateHistoryTokens(await store.listMessages(session.id)) > 200_000);
  return session.id;
}

describe('a session far longer than the model context', { timeout: 120_000 }, () => {
  describe('on the demo model', () => {
    let server: TestServer;
    let client: SqlClient;
    let store: ChatStore;
    before(async () => {
      ({ client, store } = await openStore());
      server = await startTestServer(context, { store });
    });
    after(() => server.close());

    it('still answers, reading a stored summary and the newest exchanges, and reuses the summary', async () => {
      const sessionId = await longSession(client, store);
      const api = createApiClient(server);
      const first = await readTurnStream(
        await api.postMessage(sessionId, 'What did we settle on? [demo:words=12]'),
      );
      assert.equal(first.chunks.filter((chunk) => chunk.type === 'error').length, 0);
      assert.match(answerText(first.chunks), /^You said: "What did we settle on\?"/);
      const finish = first.chunks.find((chunk) => chunk.type === 'finish');
      const usage = (finish?.messageMetadata as { usage?: { inputTokens?: number } } | undefined)
        ?.usage;
      // The demo model counts prompt words; without the budget it would have refused 60,000+.
      assert.ok(usage?.inputTokens !== undefined && usage.inputTokens < 8_000);
      const summary = await store.getContextSummary(sessionId);
      assert.ok(summary !== null && summary.text.length > 0);
      assert.match(summary.throughMessageId, new RegExp(`^${sessionId}-\\d+$`));

      const second = await readTurnStream(
        await api.postMessage(sessionId, 'And then? [demo:words=4]'),
      );
      assert.match(answerText(second.chunks), /^You said: "And then\?"/);
      assert.deepEqual(await store.getContextSummary(sessionId), summary, 'reused as stored');
      const messages = await store.listMessages(sessionId);
      assert.equal(messages.length, seededMessages + 4, 'the chat keeps every message');
    });
  });

  describe('on an OpenAI-compatible model', () => {
    let fake: FakeOpenAiServer;
    let server: TestServer;
    let client: SqlClient;
    let store: ChatStore;
    before(async () => {
      fake = await startFakeOpenAiServer({ contextTokens: 8_000 });
      ({ client, store } = await openStore());
      server = await startTestServer({ ...context, OPENAI_BASE_URL: `${fake.url}/v1` }, { store });
    });
    after(async () => {
      await server.close();
      await fake.close();
    });

    it('sends a summary and whole exchanges that fit, every tool call with its result', async () => {
      const sessionId = await longSession(client, store, 3);
      const api = createApiClient(server);
      fake.enqueue({ type: 'text', deltas: ['SUMMARY: questions about durable turns.'] });
      fake.enqueue({ type: 'text', deltas: ['Understood', '.'] });
      const first = await readTurnStream(await api.postMessage(sessionId, 'Summing up?'));
      assert.equal(answerText(first.chunks), 'Understood.');
      assert.equal(fake.requests.length, 2, 'one summary, one answer: none refused');

      const summarising = fake.requests[0] as { stream?: boolean; messages: OpenAiMessage[] };
      assert.notEqual(summarising.stream, true);
      assert.match(JSON.stringify(summarising.messages), /Conversation to summarise/);
      const answering = fake.requests[1] as { messages: OpenAiMessage[] };
      const system = answering.messages[0];
      assert.equal(system?.role, 'system');
      assert.match(system.content ?? '', /SUMMARY: questions about durable turns\./);
      const calls = answering.messages.flatMap((message) =>
        (message.tool_calls ?? []).map((call) => call.id),
      );
      const results = answering.messages.flatMap((message) =>
        message.role === 'tool' && message.tool_call_id !== undefined ? [message.tool_call_id] : [],
      );
      assert.deepEqual(calls, ['call-0', 'call-1', 'call-2'], 'the newest exchanges, whole');
      assert.deepEqual(results, calls, 'each call with its result');
      assert.equal(answering.messages.at(-1)?.role, 'user');

      fake.enqueue({ type: 'text', deltas: ['Again.'] });
      const second = await readTurnStream(await api.postMessage(sessionId, 'Once more?'));
      assert.equal(answerText(second.chunks), 'Again.');
      assert.equal(fake.requests.length, 3, 'the stored summary is reused: no second summary');
      const again = fake.requests[2] as { messages: OpenAiMessage[] };
      assert.match(again.messages[0]?.content ?? '', /SUMMARY: questions about durable turns\./);
    });
  });
});
