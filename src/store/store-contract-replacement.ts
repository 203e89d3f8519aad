import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import type { UIMessage } from 'ai';
import type { ChatStore, ReplacementTarget, StartReplacementTurnInput } from './chat-store.ts';
import {
  MessageIdConflictError,
  MessageNotFoundError,
  NothingToAnswerError,
  SessionNotFoundError,
} from './chat-store-errors.ts';
import {
  assistantMessage,
  type CreateChatStore,
  randomDelay,
  storeTest,
  tick,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

/** startReplacementTurn: regenerate, edit and resend, and what they leave behind. */
export function runReplacementContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  /** Sends `text` and completes its turn with an answer; returns both messages. */
  async function answered(store: ChatStore, sessionId: string, text: string) {
    const question = userMessage(text);
    const { turn } = await store.startTurn(turnInput(sessionId, question));
    const answer = assistantMessage(turn.assistantMessageId, `answer to ${text}`);
    await store.finishTurn({
      turnId: turn.id,
      status: 'completed',
      error: null,
      assistantMessage: answer,
      usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 },
    });
    return { question, answer, turn };
  }

  function replacement(sessionId: string, target: ReplacementTarget): StartReplacementTurnInput {
    return { sessionId, target, turnId: randomUUID(), assistantMessageId: randomUUID() };
  }

  const regenerate = (messageId: string | null): ReplacementTarget => ({
    type: 'regenerate',
    messageId,
  });
  const edit = (message: UIMessage): ReplacementTarget => ({ type: 'edit', message });

  describe('startReplacementTurn', () => {
    test('regenerating the last answer removes it and queues a turn for its question', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const first = await answered(store, sessionId, 'one');
      const last = await answered(store, sessionId, 'two');
      const input = replacement(sessionId, regenerate(last.answer.id));
      const result = await store.startReplacementTurn(input);
      assert.equal(result.created, true);
      assert.equal(result.turn.id, input.turnId);
      assert.equal(result.turn.userMessageId, last.question.id);
      assert.equal(result.turn.assistantMessageId, input.assistantMessageId);
      assert.equal(result.turn.replacedMessageId, last.answer.id);
      assert.equal(result.turn.status, 'queued');
      assert.deepEqual(await store.getTurn(input.turnId), result.turn);
      assert.deepEqual(await store.listMessages(sessionId), [
        first.question,
        first.answer,
        last.question,
      ]);
      // The earlier turn of the question stays, so its usage and history are not rewritten.
      assert.equal((await store.getTurn(last.turn.id))?.status, 'completed');
    });

    test('the new answer is stored once, after its question, where the old one was', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { question, answer } = await answered(store, sessionId, 'again please');
      const { turn } = await store.startReplacementTurn(
        replacement(sessionId, regenerate(answer.id)),
      );
      const newAnswer = assistantMessage(turn.assistantMessageId, 'a better answer');
      await store.finishTurn({
        turnId: turn.id,
        status: 'completed',
        error: null,
        assistantMessage: newAnswer,
        usage: { inputTokens: 3, outputTokens: 5, totalTokens: 8 },
      });
      assert.deepEqual(await store.listMessages(sessionId), [question, newAnswer]);
      // Tokens spent on the replaced answer were spent: the session keeps counting them.
      assert.deepEqual((await store.getSession(sessionId))?.usage, {
        inputTokens: 6,
        outputTokens: 9,
        totalTokens: 15,
      });
    });

    test('without a message id it answers the last question again', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      await answered(store, sessionId, 'one');
      const last = await answered(store, sessionId, 'two');
      const { turn } = await store.startReplacementTurn(replacement(sessionId, regenerate(null)));
      assert.equal(turn.userMessageId, last.question.id);
      assert.equal(turn.replacedMessageId, last.answer.id);
      assert.deepEqual((await store.listMessages(sessionId)).at(-1), last.question);
      // No id, nothing to recognise a retry by: each call is a new regenerate.
      const again = await store.startReplacementTurn(replacement(sessionId, regenerate(null)));
      assert.equal(again.created, true);
      assert.equal(again.turn.replacedMessageId, null);
    });

    test('answers a question that has no answer (its turn never stored one)', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const question = userMessage('lost answer');
      await store.startTurn(turnInput(sessionId, question));
      await store.failUnfinishedTurns('the process restarted');
      const { turn } = await store.startReplacementTurn(replacement(sessionId, regenerate(null)));
      assert.equal(turn.userMessageId, question.id);
      assert.equal(turn.replacedMessageId, null);
      assert.deepEqual(await store.listMessages(sessionId), [question]);
    });

    test('regenerating an earlier answer removes everything after its question', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const first = await answered(store, sessionId, 'one');
      const second = await answered(store, sessionId, 'two');
      const { turn } = await store.startReplacementTurn(
        replacement(sessionId, regenerate(first.answer.id)),
      );
      assert.equal(turn.userMessageId, first.question.id);
      assert.deepEqual(await store.listMessages(sessionId), [first.question]);
      // The removed question took its turns with it.
      assert.equal(await store.getTurn(second.turn.id), null);
    });

    test('naming a question answers that question again', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const first = await answered(store, sessionId, 'one');
      await answered(store, sessionId, 'two');
      const { turn } = await store.startReplacementTurn(
        replacement(sessionId, regenerate(first.question.id)),
      );
      assert.equal(turn.userMessageId, first.question.id);
      assert.equal(turn.replacedMessageId, first.answer.id);
      assert.deepEqual(await store.listMessages(sessionId), [first.question]);
    });

    test('a retried regenerate of the same answer returns the first turn and changes nothing', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { question, answer } = await answered(store, sessionId, 'only once');
      const first = await store.startReplacementTurn(replacement(sessionId, regenerate(answer.id)));
      const newAnswer = assistantMessage(first.turn.assistantMessageId, 'new');
      await store.finishTurn({
        turnId: first.turn.id,
        status: 'completed',
        error: null,
        assistantMessage: newAnswer,
        usage: null,
      });
      const retry = replacement(sessionId, regenerate(answer.id));
      const second = await store.startReplacementTurn(retry);
      assert.equal(second.created, false);
      assert.equal(second.turn.id, first.turn.id);
      assert.equal(await store.getTurn(retry.turnId), null);
      assert.deepEqual(await store.listMessages(sessionId), [question, newAnswer]);
    });

    test('concurrent regenerates of one answer create exactly one turn', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      for (let round = 0; round < 20; round += 1) {
        const { question, answer } = await answered(store, sessionId, `double click ${round}`);
        const inputs = [0, 1].map(() => replacement(sessionId, regenerate(answer.id)));
        const results = await Promise.all(
          inputs.map(async (input) => {
            await randomDelay();
            return store.startReplacementTurn(input);
          }),
        );
        assert.equal(results.filter((result) => result.created).length, 1, `round ${round}`);
        assert.equal(results[0]?.turn.id, results[1]?.turn.id, `round ${round}`);
        assert.deepEqual((await store.listMessages(sessionId)).at(-1), question);
        // Answer the winner, so the next round starts from a finished conversation.
        await store.finishTurn({
          turnId: results[0]?.turn.id ?? '',
          status: 'completed',
          error: null,
          assistantMessage: assistantMessage(results[0]?.turn.assistantMessageId ?? '', 'ok'),
          usage: null,
        });
      }
    });

    test('an edit rewrites the question, drops everything after it and queues a turn', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const first = await answered(store, sessionId, 'one');
      await answered(store, sessionId, 'two');
      const edited = userMessage('one, but better', first.question.id);
      const { created, turn } = await store.startReplacementTurn(
        replacement(sessionId, edit(edited)),
      );
      assert.equal(created, true);
      assert.equal(turn.userMessageId, first.question.id);
      assert.equal(turn.replacedMessageId, first.answer.id);
      assert.deepEqual(await store.listMessages(sessionId), [edited]);
    });

    test('an edit keeps the stored metadata unless it brings its own', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const question: UIMessage = { ...userMessage('with context'), metadata: { context: 'x' } };
      await store.startTurn(turnInput(sessionId, question));
      await store.failUnfinishedTurns('restarted');
      const edited = userMessage('changed', question.id);
      await store.startReplacementTurn(replacement(sessionId, edit(edited)));
      assert.deepEqual(await store.listMessages(sessionId), [
        { ...edited, metadata: { context: 'x' } },
      ]);
    });

    test('a retried edit returns the turn it started; a different text is a new edit', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { question } = await answered(store, sessionId, 'draft');
      const edited = userMessage('final', question.id);
      const first = await store.startReplacementTurn(replacement(sessionId, edit(edited)));
      const retry = replacement(sessionId, edit(edited));
      const second = await store.startReplacementTurn(retry);
      assert.equal(second.created, false);
      assert.equal(second.turn.id, first.turn.id);
      assert.equal(await store.getTurn(retry.turnId), null);
      const changed = await store.startReplacementTurn(
        replacement(sessionId, edit(userMessage('final, really', question.id))),
      );
      assert.equal(changed.created, true);
    });

    test('an unchanged edit of an earlier question answers it again', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const first = await answered(store, sessionId, 'one');
      await answered(store, sessionId, 'two');
      const { created } = await store.startReplacementTurn(
        replacement(sessionId, edit(first.question)),
      );
      assert.equal(created, true);
      assert.deepEqual(await store.listMessages(sessionId), [first.question]);
    });

    test('discarding a replacement turn keeps the question it was to answer', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { question, answer } = await answered(store, sessionId, 'keep me');
      const { turn } = await store.startReplacementTurn(
        replacement(sessionId, regenerate(answer.id)),
      );
      assert.equal(await store.discardTurn(turn.id), true);
      assert.equal(await store.getTurn(turn.id), null);
      assert.deepEqual(await store.listMessages(sessionId), [question]);
    });

    test('moves the session to the top of the list', async (store) => {
      const session = await store.createSession({ userId: 'alice' });
      const { answer } = await answered(store, session.id, 'hi');
      await tick();
      const other = await store.createSession({ userId: 'alice' });
      await tick();
      await store.startReplacementTurn(replacement(session.id, regenerate(answer.id)));
      const listed = await store.listSessions({ userId: 'alice', limit: 10, offset: 0 });
      assert.deepEqual(
        listed.sessions.map((entry) => entry.id),
        [session.id, other.id],
      );
    });

    test('rejects a message that is not in the session, writing nothing', async (store) => {
      const mine = await store.createSession({ userId: 'alice' });
      const theirs = await store.createSession({ userId: 'mallory' });
      const foreign = await answered(store, theirs.id, 'theirs');
      const own = await answered(store, mine.id, 'mine');
      for (const target of [
        regenerate(randomUUID()),
        regenerate(foreign.answer.id),
        edit(userMessage('hijack', foreign.question.id)),
        edit(userMessage('nowhere')),
      ]) {
        const input = replacement(mine.id, target);
        await assert.rejects(store.startReplacementTurn(input), MessageNotFoundError);
        assert.equal(await store.getTurn(input.turnId), null);
      }
      assert.deepEqual(await store.listMessages(mine.id), [own.question, own.answer]);
      assert.deepEqual(await store.listMessages(theirs.id), [foreign.question, foreign.answer]);
    });

    test('rejects an edit that would turn an answer into a question', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { answer } = await answered(store, sessionId, 'hi');
      await assert.rejects(
        store.startReplacementTurn(replacement(sessionId, edit(userMessage('x', answer.id)))),
        MessageIdConflictError,
      );
    });

    test('rejects a regenerate in a session with nothing to answer', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      await assert.rejects(
        store.startReplacementTurn(replacement(sessionId, regenerate(null))),
        NothingToAnswerError,
      );
    });

    test('rejects a missing session', async (store) => {
      await assert.rejects(
        store.startReplacementTurn(replacement(randomUUID(), regenerate(null))),
        SessionNotFoundError,
      );
    });

    test('a retried first send of a regenerated question returns its newest turn', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { question, answer } = await answered(store, sessionId, 'hi');
      const { turn } = await store.startReplacementTurn(
        replacement(sessionId, regenerate(answer.id)),
      );
      const resent = await store.startTurn(turnInput(sessionId, question));
      assert.equal(resent.created, false);
      assert.equal(resent.turn.id, turn.id);
    });
  });
}
