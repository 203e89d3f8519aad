import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import type { UIMessage } from 'ai';
import type { ChatStore, FinishTurnInput, StoredTurn } from './chat-store.ts';
import { MessageIdConflictError } from './chat-store-errors.ts';
import {
  assistantMessage,
  type CreateChatStore,
  randomDelay,
  storeTest,
  tick,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

/** finishTurn, ping and close. */
export function runFinishContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  async function runningTurn(store: ChatStore, sessionId: string, text = 'question') {
    const message = userMessage(text);
    const { turn } = await store.startTurn(turnInput(sessionId, message));
    await store.markTurnRunning(turn.id);
    return { turn, message };
  }

  function completion(turn: StoredTurn, text: string): FinishTurnInput {
    return {
      turnId: turn.id,
      status: 'completed',
      error: null,
      assistantMessage: assistantMessage(turn.assistantMessageId, text),
      usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 },
    };
  }

  describe('finishTurn', () => {
    test('completes a turn with its assistant message, usage and finish time', async (store) => {
      const session = await store.createSession({ userId: 'alice' });
      const { turn, message } = await runningTurn(store, session.id);
      await tick();
      const input = completion(turn, 'answer');
      assert.equal(await store.finishTurn(input), true);
      const finished = await store.getTurn(turn.id);
      assert.equal(finished?.status, 'completed');
      assert.equal(finished?.error, null);
      assert.deepEqual(finished?.usage, input.usage);
      assert.ok(finished?.finishedAt instanceof Date);
      assert.ok(finished.startedAt instanceof Date && finished.finishedAt >= finished.startedAt);
      assert.deepEqual(await store.listMessages(session.id), [message, input.assistantMessage]);
      const updated = await store.getSession(session.id);
      assert.deepEqual(updated?.usage, input.usage);
      assert.ok(updated !== null && updated.updatedAt > session.updatedAt);
    });

    test("stores the assistant message under the turn's assistant message id", async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { turn } = await runningTurn(store, sessionId);
      const input = {
        ...completion(turn, 'answer'),
        assistantMessage: assistantMessage('other', 'answer'),
      };
      await store.finishTurn(input);
      const messages = await store.listMessages(sessionId);
      assert.deepEqual(messages[1], assistantMessage(turn.assistantMessageId, 'answer'));
    });

    test('a second finish changes nothing: one message, first status, usage counted once', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { turn, message } = await runningTurn(store, sessionId);
      const first = completion(turn, 'first answer');
      assert.equal(await store.finishTurn(first), true);
      const settled = await store.getTurn(turn.id);
      const again: FinishTurnInput = {
        turnId: turn.id,
        status: 'failed',
        error: 'late failure',
        assistantMessage: assistantMessage(turn.assistantMessageId, 'second answer'),
        usage: { inputTokens: 100, outputTokens: 100, totalTokens: 200 },
      };
      assert.equal(await store.finishTurn(again), false);
      assert.equal(await store.finishTurn(first), false);
      assert.deepEqual(await store.getTurn(turn.id), settled);
      assert.deepEqual(await store.listMessages(sessionId), [message, first.assistantMessage]);
      assert.deepEqual((await store.getSession(sessionId))?.usage, first.usage);
    });

    test('racing finishes settle the turn exactly once', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      let expectedTotal = 0;
      for (let round = 0; round < 20; round += 1) {
        const { turn } = await runningTurn(store, sessionId, `round ${round}`);
        const inputs: FinishTurnInput[] = [
          completion(turn, 'done'),
          {
            turnId: turn.id,
            status: 'cancelled',
            error: null,
            assistantMessage: assistantMessage(turn.assistantMessageId, 'partial'),
            usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
          },
        ];
        const results = await Promise.all(
          inputs.map(async (input) => {
            await randomDelay();
            return store.finishTurn(input);
          }),
        );
        assert.equal(results.filter(Boolean).length, 1, `round ${round}: one finish wins`);
        const winner = results[0] ? inputs[0] : inputs[1];
        assert.equal((await store.getTurn(turn.id))?.status, winner?.status);
        const messages = await store.listMessages(sessionId);
        assert.equal(messages.length, 2 * (round + 1));
        assert.deepEqual(messages.at(-1), winner?.assistantMessage);
        expectedTotal += winner?.usage?.totalTokens ?? 0;
        assert.equal((await store.getSession(sessionId))?.usage.totalTokens, expectedTotal);
      }
    });

    test('adds the usage of every turn to the session totals', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const usages = [
        { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
        { inputTokens: 5_000_000_000, outputTokens: 1, totalTokens: 5_000_000_001 },
      ];
      for (const usage of usages) {
        const { turn } = await runningTurn(store, sessionId);
        await store.finishTurn({ ...completion(turn, 'ok'), usage });
      }
      assert.deepEqual((await store.getSession(sessionId))?.usage, {
        inputTokens: 5_000_000_003,
        outputTokens: 5,
        totalTokens: 5_000_000_008,
      });
    });

    test('keeps the partial assistant message of a cancelled turn', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { turn, message } = await runningTurn(store, sessionId);
      const partial: UIMessage = {
        id: turn.assistantMessageId,
        role: 'assistant',
        parts: [{ type: 'step-start' }, { type: 'text', text: 'Once upon a', state: 'streaming' }],
      };
      const input: FinishTurnInput = {
        turnId: turn.id,
        status: 'cancelled',
        error: null,
        assistantMessage: partial,
        usage: { inputTokens: 8, outputTokens: 3, totalTokens: 11 },
      };
      assert.equal(await store.finishTurn(input), true);
      assert.equal((await store.getTurn(turn.id))?.status, 'cancelled');
      assert.deepEqual(await store.listMessages(sessionId), [message, partial]);
      assert.deepEqual((await store.getSession(sessionId))?.usage, input.usage);
    });

    test('fails a turn with its error and without a message or usage', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { turn, message } = await runningTurn(store, sessionId);
      const input: FinishTurnInput = {
        turnId: turn.id,
        status: 'failed',
        error: 'model unavailable',
        assistantMessage: null,
        usage: null,
      };
      assert.equal(await store.finishTurn(input), true);
      const failed = await store.getTurn(turn.id);
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.error, 'model unavailable');
      assert.equal(failed?.usage, null);
      assert.deepEqual(await store.listMessages(sessionId), [message]);
      assert.deepEqual((await store.getSession(sessionId))?.usage, {
        inputTokens: 0,
        outputTokens: 0,
        totalTokens: 0,
      });
    });

    test('updates in place an assistant message that a later turn continues', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const firstQuestion = userMessage('book a flight');
      const first = await store.startTurn(turnInput(sessionId, firstQuestion));
      await store.finishTurn(completion(first.turn, 'Approve the booking?'));
      // A continuation (e.g. after a tool approval) writes into the same assistant message.
      const approval = userMessage('approved');
      const second = await store.startTurn({
        ...turnInput(sessionId, approval),
        assistantMessageId: first.turn.assistantMessageId,
      });
      const continued = assistantMessage(first.turn.assistantMessageId, 'Booked.');
      await store.finishTurn({
        ...completion(second.turn, 'Booked.'),
        assistantMessage: continued,
      });
      assert.deepEqual(await store.listMessages(sessionId), [firstQuestion, continued, approval]);
    });

    test('returns false for a turn that does not exist', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const missing: FinishTurnInput = {
        turnId: randomUUID(),
        status: 'completed',
        error: null,
        assistantMessage: assistantMessage(randomUUID(), 'lost'),
        usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
      };
      assert.equal(await store.finishTurn(missing), false);
      assert.equal((await store.getSession(sessionId))?.usage.totalTokens, 0);
    });
  });

  describe('finishTurn refusing an answer id the session uses for another role', () => {
    // A plain answer ends in one call, one with a tool call in a transaction: both refuse alike.
    const answers: Record<string, (id: string) => UIMessage> = {
      'plain answer': (id) => assistantMessage(id, 'clash'),
      'answer with a tool call': (id) => ({
        id,
        role: 'assistant',
        parts: [
          {
            type: 'tool-weather',
            toolCallId: 'call-1',
            state: 'output-available',
            input: {},
            output: 'sunny',
          },
        ],
      }),
    };
    for (const [name, answerOf] of Object.entries(answers)) {
      test(`rejects with MessageIdConflictError and writes nothing (${name})`, async (store) => {
        const { id: sessionId } = await store.createSession({ userId: 'alice' });
        const { turn, message } = await runningTurn(store, sessionId);
        const squatter = userMessage('same id', turn.assistantMessageId);
        await store.startTurn(turnInput(sessionId, squatter));
        await assert.rejects(
          store.finishTurn({
            turnId: turn.id,
            status: 'completed',
            error: null,
            assistantMessage: answerOf(turn.assistantMessageId),
            usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 },
          }),
          MessageIdConflictError,
        );
        assert.equal((await store.getTurn(turn.id))?.status, 'running');
        assert.deepEqual(await store.listMessages(sessionId), [message, squatter]);
        assert.equal((await store.getSession(sessionId))?.usage.totalTokens, 0);
      });
    }
  });

  describe('ping and close', () => {
    test('ping resolves while open and rejects once the store is closed', async (store) => {
      await store.ping();
      await store.close();
      await assert.rejects(store.ping());
    });
  });
}
