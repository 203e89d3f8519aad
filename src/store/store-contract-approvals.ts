import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import type { UIMessage } from 'ai';
import type { ChatStore, StoredTurn } from './chat-store.ts';
import { ApprovalNotPendingError } from './chat-store-errors.ts';
import {
  type CreateChatStore,
  storeTest,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

/** An answer whose tool call waits for the user's approval. */
function askingAnswer(id: string, approvalId = 'approval-1'): UIMessage {
  return {
    id,
    role: 'assistant',
    parts: [
      { type: 'step-start' },
      {
        type: 'tool-demo_action',
        toolCallId: 'call-1',
        state: 'approval-requested',
        input: { action: 'water the plants' },
        approval: { id: approvalId },
      },
    ],
  };
}

/** startApprovalTurn. */
export function runApprovalContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  /** A session whose last answer asks for approval; its turn completed. */
  async function awaitingApproval(store: ChatStore) {
    const session = await store.createSession({ userId: 'alice' });
    const question = userMessage('water the plants');
    const { turn } = await store.startTurn(turnInput(session.id, question));
    await store.markTurnRunning(turn.id);
    const answer = askingAnswer(turn.assistantMessageId);
    await store.finishTurn({
      turnId: turn.id,
      status: 'completed',
      error: null,
      assistantMessage: answer,
      usage: null,
    });
    return { sessionId: session.id, question, turn, answer };
  }

  const approve = (sessionId: string, turn: StoredTurn, approved = true, reason?: string) => ({
    sessionId,
    assistantMessageId: turn.assistantMessageId,
    responses: [{ approvalId: 'approval-1', approved, ...(reason ? { reason } : {}) }],
    turnId: randomUUID(),
  });

  describe('startApprovalTurn', () => {
    test('records the answer in the tool part and queues a turn that continues the message', async (store) => {
      const { sessionId, question, turn, answer } = await awaitingApproval(store);
      const input = approve(sessionId, turn, false, 'not today');
      const result = await store.startApprovalTurn(input);
      assert.equal(result.created, true);
      assert.equal(result.turn.id, input.turnId);
      assert.equal(result.turn.status, 'queued');
      assert.equal(result.turn.userMessageId, question.id);
      assert.equal(result.turn.assistantMessageId, turn.assistantMessageId);
      assert.equal(result.turn.replacedMessageId, null);
      const messages = await store.listMessages(sessionId);
      assert.deepEqual(messages[1]?.parts[1], {
        ...answer.parts[1],
        state: 'approval-responded',
        approval: { id: 'approval-1', approved: false, reason: 'not today' },
      });
    });

    test('the same answer again creates nothing and returns the turn it started', async (store) => {
      const { sessionId, turn } = await awaitingApproval(store);
      const first = await store.startApprovalTurn(approve(sessionId, turn));
      const again = await store.startApprovalTurn(approve(sessionId, turn));
      assert.equal(again.created, false);
      assert.equal(again.turn.id, first.turn.id);
      assert.equal((await store.listUnfinishedTurnsOfSession(sessionId)).length, 1);
    });

    test('concurrent answers to one approval start one turn', async (store) => {
      const { sessionId, turn } = await awaitingApproval(store);
      const results = await Promise.all(
        Array.from({ length: 4 }, () => store.startApprovalTurn(approve(sessionId, turn))),
      );
      assert.equal(results.filter((result) => result.created).length, 1);
      assert.equal(new Set(results.map((result) => result.turn.id)).size, 1);
    });

    test('the other answer to an answered approval is refused', async (store) => {
      const { sessionId, turn } = await awaitingApproval(store);
      await store.startApprovalTurn(approve(sessionId, turn, true));
      await assert.rejects(
        store.startApprovalTurn(approve(sessionId, turn, false)),
        ApprovalNotPendingError,
      );
    });

    test('an unknown approval, a user message or a message of another session is refused', async (store) => {
      const { sessionId, question, turn } = await awaitingApproval(store);
      const other = await store.createSession({ userId: 'bob' });
      const refusals = [
        { ...approve(sessionId, turn), responses: [{ approvalId: 'nope', approved: true }] },
        { ...approve(sessionId, turn), assistantMessageId: question.id },
        { ...approve(sessionId, turn), sessionId: other.id },
      ];
      for (const input of refusals) {
        await assert.rejects(store.startApprovalTurn(input), ApprovalNotPendingError);
      }
      assert.deepEqual(await store.listUnfinishedTurnsOfSession(sessionId), []);
    });

    test('an answer that is no longer the last message is refused', async (store) => {
      const { sessionId, turn } = await awaitingApproval(store);
      await store.startTurn(turnInput(sessionId, userMessage('something else')));
      await assert.rejects(
        store.startApprovalTurn(approve(sessionId, turn)),
        ApprovalNotPendingError,
      );
    });

    test('finishing the continued turn replaces the message in place', async (store) => {
      const { sessionId, question, turn, answer } = await awaitingApproval(store);
      const { turn: continued } = await store.startApprovalTurn(approve(sessionId, turn));
      await store.markTurnRunning(continued.id);
      const whole: UIMessage = {
        ...answer,
        parts: [...answer.parts, { type: 'text', text: 'Done.', state: 'done' }],
      };
      assert.equal(
        await store.finishTurn({
          turnId: continued.id,
          status: 'completed',
          error: null,
          assistantMessage: whole,
          usage: null,
        }),
        true,
      );
      assert.deepEqual(await store.listMessages(sessionId), [question, whole]);
    });

    test('a continued turn that ends with nothing folded keeps the stored answer', async (store) => {
      const { sessionId, turn } = await awaitingApproval(store);
      const { turn: continued } = await store.startApprovalTurn(approve(sessionId, turn));
      const [, answered] = await store.listMessages(sessionId);
      await store.finishTurn({
        turnId: continued.id,
        status: 'failed',
        error: 'stream state lost',
        assistantMessage: {
          id: turn.assistantMessageId,
          role: 'assistant',
          parts: [],
          metadata: { status: 'failed' },
        },
        usage: null,
      });
      const [, kept] = await store.listMessages(sessionId);
      assert.deepEqual(kept, { ...answered, metadata: { status: 'failed' } });
    });
  });
}
