import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { continuationMessageId } from '../../src/protocol/operation-outputs.ts';
import type { ChatStore } from '../../src/store/chat-store.ts';
import { endOperation, type OperationEnding } from '../../src/turn/end-operation.ts';
import { secretDigest } from '../../src/turn/operation-token.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { waitFor } from '../support/wait-for.ts';
import { randomDelay } from './race-support.ts';

const rounds = 40;
const internalKey = 'race-key-0123456789abcdef';

/** A session whose finished answer called a long-running tool that is still running. */
async function sessionWithRunningOperation(store: ChatStore, sessionId: string) {
  const turnId = crypto.randomUUID();
  const assistantMessageId = crypto.randomUUID();
  const toolCallId = `call-${crypto.randomUUID()}`;
  const operationId = crypto.randomUUID();
  await store.startTurn({
    sessionId,
    userMessage: {
      id: crypto.randomUUID(),
      role: 'user',
      parts: [{ type: 'text', text: 'build' }],
    },
    turnId,
    assistantMessageId,
  });
  await store.markTurnRunning(turnId);
  await store.startOperation({
    id: operationId,
    sessionId,
    turnId,
    assistantMessageId,
    toolCallId,
    toolName: 'build',
    input: {},
    inputKey: operationId,
    completionTokenHash: secretDigest('token'),
    cancelUrl: null,
    deadline: new Date(Date.now() + 60_000),
  });
  await store.markOperationRunning(operationId);
  const answer: UIMessage = {
    id: assistantMessageId,
    role: 'assistant',
    parts: [
      {
        type: 'tool-build',
        toolCallId,
        state: 'output-available',
        input: {},
        output: { type: 'operation_started', operation_id: operationId },
      },
    ],
  };
  await store.finishTurn({
    turnId,
    status: 'completed',
    error: null,
    assistantMessage: answer,
    usage: null,
  });
  return { operationId, assistantMessageId, toolCallId };
}

describe('operation endings race', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ CHAT_INTERNAL_API_KEY: internalKey, DEMO_ANSWER_WORDS: '3' });
  });
  after(() => server.close());

  it(`two webhook completions, a failure and the deadline racing ${rounds} times: one ending wins, the tool part and one continuation agree with it`, async () => {
    const { store } = server.runtime.api;
    const winners = new Set<string>();
    for (let round = 0; round < rounds; round += 1) {
      const { id: sessionId } = await store.createSession({ userId: null });
      const { operationId, assistantMessageId, toolCallId } = await sessionWithRunningOperation(
        store,
        sessionId,
      );
      const viaWebhook = (body: object) => async () => {
        await sleep(randomDelay(8));
        const response = await fetch(
          `${server.baseUrl}/api/chat/operations/${operationId}/complete`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': internalKey },
            body: JSON.stringify(body),
          },
        );
        const answer = (await response.json()) as { already_ended: boolean };
        return answer.already_ended ? null : JSON.stringify(body);
      };
      const direct = (ending: Omit<OperationEnding, 'operationId'>) => async () => {
        await sleep(randomDelay(8));
        const ended = await endOperation(server.runtime.api, { operationId, ...ending });
        return ended.type === 'ended' ? ending.status : null;
      };
      const results = await Promise.all([
        viaWebhook({ success: true, result: 'first' })(),
        viaWebhook({ success: true, result: 'second' })(),
        viaWebhook({ success: false, error: 'broken' })(),
        direct({ status: 'expired', error: 'deadline' })(),
      ]);
      const won = results.filter((result) => result !== null);
      assert.equal(
        won.length,
        1,
        `round ${round}: exactly one ending wins (${JSON.stringify(results)})`,
      );
      const operation = await store.getOperation(operationId);
      const part = (await store.listMessages(sessionId))
        .find((message) => message.id === assistantMessageId)
        ?.parts.find(
          (candidate) => 'toolCallId' in candidate && candidate.toolCallId === toolCallId,
        ) as { state: string; output?: { result?: unknown }; errorText?: string } | undefined;
      if (operation?.status === 'completed') {
        winners.add(String(operation.result));
        assert.equal(part?.state, 'output-available');
        assert.equal(part?.output?.result, operation.result);
      } else {
        winners.add(operation?.status ?? 'missing');
        assert.equal(part?.state, 'output-error');
      }
      await waitFor(
        async () => {
          const messages = await store.listMessages(sessionId);
          const turns = await store.listUnfinishedTurnsOfSession(sessionId);
          return messages.length === 4 && turns.length === 0;
        },
        { timeoutMs: 10_000, message: `round ${round}: the continuation answered` },
      );
      const messages = await store.listMessages(sessionId);
      assert.deepEqual(
        messages.filter((message) => message.role === 'system').map((message) => message.id),
        [continuationMessageId(operationId)],
        `round ${round}: one continuation`,
      );
    }
    assert.ok(winners.size >= 2, `different endings won across rounds: ${[...winners].join(', ')}`);
  });
});
