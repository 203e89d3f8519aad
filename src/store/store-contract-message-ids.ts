import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import type { UIMessage } from 'ai';
import type { ChatStore, ReplacementTarget, StartReplacementTurnInput } from './chat-store.ts';
import { MessageIdConflictError, MessageNotFoundError } from './chat-store-errors.ts';
import {
  assistantMessage,
  type CreateChatStore,
  randomDelay,
  storeTest,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

/**
 * Message ids are the client's idempotency keys, unique within a session only: the same id in
 * two sessions names two independent messages, and no call made in one session can find, block
 * or change a message of another.
 */
export function runMessageIdContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  /** Two sessions of different users. */
  async function twoSessions(store: ChatStore) {
    const alice = await store.createSession({ userId: 'alice' });
    const mallory = await store.createSession({ userId: 'mallory' });
    return { alice: alice.id, mallory: mallory.id };
  }

  /** Sends `message` in the session and completes its turn; returns the turn and the answer. */
  async function answered(store: ChatStore, sessionId: string, message: UIMessage) {
    const { turn } = await store.startTurn(turnInput(sessionId, message));
    const answer = assistantMessage(turn.assistantMessageId, `answer in ${sessionId}`);
    await store.finishTurn({
      turnId: turn.id,
      status: 'completed',
      error: null,
      assistantMessage: answer,
      usage: null,
    });
    return { turn, answer };
  }

  function replacement(sessionId: string, target: ReplacementTarget): StartReplacementTurnInput {
    return { sessionId, target, turnId: randomUUID(), assistantMessageId: randomUUID() };
  }

  describe('message ids are scoped to their session', () => {
    test('the same message id in two sessions stores two independent messages and turns', async (store) => {
      const sessions = await twoSessions(store);
      const id = randomUUID();
      const mine = userMessage('mine', id);
      const theirs = userMessage('theirs', id);
      const first = await store.startTurn(turnInput(sessions.alice, mine));
      const second = await store.startTurn(turnInput(sessions.mallory, theirs));
      assert.equal(first.created, true);
      assert.equal(second.created, true);
      assert.notEqual(second.turn.id, first.turn.id);
      assert.equal(second.turn.sessionId, sessions.mallory);
      assert.equal(second.turn.userMessageId, id);
      assert.deepEqual(await store.listMessages(sessions.alice), [mine]);
      assert.deepEqual(await store.listMessages(sessions.mallory), [theirs]);
      assert.deepEqual(await store.getTurn(first.turn.id), first.turn);
    });

    test('an id used first in another session does not block its owner', async (store) => {
      const sessions = await twoSessions(store);
      const id = randomUUID();
      const squatted = await store.startTurn(turnInput(sessions.mallory, userMessage('x', id)));
      const mine = userMessage('the real one', id);
      const result = await store.startTurn(turnInput(sessions.alice, mine));
      assert.equal(result.created, true);
      assert.notEqual(result.turn.id, squatted.turn.id);
      assert.deepEqual(await store.listMessages(sessions.alice), [mine]);
    });

    test("a retry returns its own session's turn when another session uses the same id", async (store) => {
      const sessions = await twoSessions(store);
      const id = randomUUID();
      const mine = await store.startTurn(turnInput(sessions.alice, userMessage('mine', id)));
      const theirs = await store.startTurn(turnInput(sessions.mallory, userMessage('x', id)));
      const retry = turnInput(sessions.alice, userMessage('mine', id));
      const retried = await store.startTurn(retry);
      assert.equal(retried.created, false);
      assert.deepEqual(retried.turn, mine.turn);
      assert.equal(await store.getTurn(retry.turnId), null);
      const again = await store.startTurn(turnInput(sessions.mallory, userMessage('x', id)));
      assert.deepEqual(again.turn, theirs.turn);
      assert.equal((await store.listMessages(sessions.alice)).length, 1);
      assert.equal((await store.listMessages(sessions.mallory)).length, 1);
    });

    test('an id the session gave an answer conflicts there and is free in another session', async (store) => {
      const sessions = await twoSessions(store);
      const { answer } = await answered(store, sessions.alice, userMessage('hi'));
      const input = turnInput(sessions.alice, userMessage('hijack', answer.id));
      await assert.rejects(store.startTurn(input), MessageIdConflictError);
      assert.equal(await store.getTurn(input.turnId), null);
      const elsewhere = await store.startTurn(
        turnInput(sessions.mallory, userMessage('mine', answer.id)),
      );
      assert.equal(elsewhere.created, true);
      assert.equal((await store.listMessages(sessions.alice)).at(-1)?.role, 'assistant');
    });

    test('concurrent sends of one id in two sessions create one turn in each', async (store) => {
      for (let round = 0; round < 20; round += 1) {
        const sessions = await twoSessions(store);
        const id = randomUUID();
        const inputs = [sessions.alice, sessions.alice, sessions.mallory, sessions.mallory].map(
          (sessionId) => turnInput(sessionId, userMessage(`round ${round}`, id)),
        );
        const results = await Promise.all(
          inputs.map(async (input) => {
            await randomDelay();
            return store.startTurn(input);
          }),
        );
        for (const sessionId of [sessions.alice, sessions.mallory]) {
          const own = results.filter((result) => result.turn.sessionId === sessionId);
          assert.equal(own.length, 2, `round ${round}: both calls answered in their session`);
          assert.equal(own.filter((result) => result.created).length, 1, `round ${round}`);
          assert.deepEqual(own[0]?.turn, own[1]?.turn);
          assert.equal((await store.listMessages(sessionId)).length, 1);
        }
      }
    });

    test("discarding a turn removes only its own session's message", async (store) => {
      const sessions = await twoSessions(store);
      const id = randomUUID();
      const kept = userMessage('kept', id);
      await store.startTurn(turnInput(sessions.alice, kept));
      const { turn } = await store.startTurn(turnInput(sessions.mallory, userMessage('x', id)));
      assert.equal(await store.discardTurn(turn.id), true);
      assert.deepEqual(await store.listMessages(sessions.mallory), []);
      assert.deepEqual(await store.listMessages(sessions.alice), [kept]);
    });

    test("an answer is stored in its session when another session uses the answer's id", async (store) => {
      const sessions = await twoSessions(store);
      const question = userMessage('question');
      const { turn } = await store.startTurn(turnInput(sessions.alice, question));
      const squatter = userMessage('squat', turn.assistantMessageId);
      await store.startTurn(turnInput(sessions.mallory, squatter));
      const answer = assistantMessage(turn.assistantMessageId, 'the answer');
      const finished = await store.finishTurn({
        turnId: turn.id,
        status: 'completed',
        error: null,
        assistantMessage: answer,
        usage: null,
      });
      assert.equal(finished, true);
      assert.deepEqual(await store.listMessages(sessions.alice), [question, answer]);
      assert.deepEqual(await store.listMessages(sessions.mallory), [squatter]);
    });

    test("a regenerate naming a shared id answers again only its own session's message", async (store) => {
      const sessions = await twoSessions(store);
      const id = randomUUID();
      const mine = await answered(store, sessions.alice, userMessage('mine', id));
      const theirs = await answered(store, sessions.mallory, userMessage('theirs', id));
      const input = replacement(sessions.mallory, { type: 'regenerate', messageId: id });
      const result = await store.startReplacementTurn(input);
      assert.equal(result.created, true);
      assert.equal(result.turn.sessionId, sessions.mallory);
      assert.equal(result.turn.replacedMessageId, theirs.answer.id);
      assert.deepEqual(await store.listMessages(sessions.mallory), [userMessage('theirs', id)]);
      assert.deepEqual(await store.listMessages(sessions.alice), [
        userMessage('mine', id),
        mine.answer,
      ]);
      const retried = await store.startReplacementTurn(
        replacement(sessions.mallory, { type: 'regenerate', messageId: theirs.answer.id }),
      );
      assert.deepEqual(retried, { created: false, turn: result.turn });
      await assert.rejects(
        store.startReplacementTurn(
          replacement(sessions.mallory, { type: 'regenerate', messageId: mine.answer.id }),
        ),
        MessageNotFoundError,
      );
    });

    test("an edit of a shared id changes only its own session's message", async (store) => {
      const sessions = await twoSessions(store);
      const id = randomUUID();
      const mine = await answered(store, sessions.alice, userMessage('mine', id));
      await answered(store, sessions.mallory, userMessage('theirs', id));
      const edited = userMessage('theirs, edited', id);
      const input = replacement(sessions.mallory, { type: 'edit', message: edited });
      const result = await store.startReplacementTurn(input);
      assert.equal(result.created, true);
      assert.deepEqual(await store.listMessages(sessions.mallory), [edited]);
      assert.deepEqual(await store.listMessages(sessions.alice), [
        userMessage('mine', id),
        mine.answer,
      ]);
      const retried = await store.startReplacementTurn(
        replacement(sessions.mallory, { type: 'edit', message: edited }),
      );
      assert.deepEqual(retried, { created: false, turn: result.turn });
    });

    test('deleting a session keeps the messages of another session with the same ids', async (store) => {
      const sessions = await twoSessions(store);
      const id = randomUUID();
      await answered(store, sessions.mallory, userMessage('theirs', id));
      const mine = await answered(store, sessions.alice, userMessage('mine', id));
      assert.equal(await store.deleteSession(sessions.mallory), true);
      assert.deepEqual(await store.listMessages(sessions.alice), [
        userMessage('mine', id),
        mine.answer,
      ]);
      assert.equal((await store.getTurn(mine.turn.id))?.status, 'completed');
    });
  });
}
