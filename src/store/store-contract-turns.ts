import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import { SessionNotFoundError, UnsettledTurnsError } from './chat-store-errors.ts';
import {
  assistantMessage,
  type CreateChatStore,
  randomDelay,
  storeTest,
  tick,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

/** startTurn, markTurnRunning, beginTurn and the turn listings. */
export function runTurnContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  describe('startTurn', () => {
    test('stores the user message and a queued turn', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const message = userMessage('What is the weather in Lisbon?');
      const input = turnInput(sessionId, message);
      const result = await store.startTurn(input);
      assert.equal(result.created, true);
      const { turn } = result;
      assert.equal(turn.id, input.turnId);
      assert.equal(turn.sessionId, sessionId);
      assert.equal(turn.userMessageId, message.id);
      assert.equal(turn.assistantMessageId, input.assistantMessageId);
      assert.equal(turn.status, 'queued');
      assert.equal(turn.error, null);
      assert.equal(turn.usage, null);
      assert.ok(turn.createdAt instanceof Date);
      assert.equal(turn.startedAt, null);
      assert.equal(turn.finishedAt, null);
      assert.deepEqual(await store.getTurn(turn.id), turn);
      assert.deepEqual(await store.listMessages(sessionId), [message]);
    });

    test('moves the session to the top of the list when a turn starts', async (store) => {
      const session = await store.createSession({ userId: 'alice' });
      await tick();
      const later = await store.createSession({ userId: 'alice' });
      await tick();
      await store.startTurn(turnInput(session.id, userMessage('hi')));
      const updated = await store.getSession(session.id);
      assert.ok(updated !== null && updated.updatedAt > session.updatedAt);
      const listed = await store.listSessions({ userId: 'alice', limit: 10, offset: 0 });
      assert.deepEqual(
        listed.sessions.map((entry) => entry.id),
        [session.id, later.id],
      );
    });

    test('with onlyIfSettled, stores nothing while a turn of the session is unfinished', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const first = await store.startTurn(turnInput(sessionId, userMessage('first')));
      const waiting = userMessage('second');
      for (const unfinished of ['queued', 'running'] as const) {
        if (unfinished === 'running') await store.markTurnRunning(first.turn.id);
        await assert.rejects(
          store.startTurn({ ...turnInput(sessionId, waiting), onlyIfSettled: true }),
          UnsettledTurnsError,
        );
        await assert.rejects(
          store.startReplacementTurn({
            sessionId,
            target: { type: 'regenerate', messageId: null },
            turnId: randomUUID(),
            assistantMessageId: randomUUID(),
            onlyIfSettled: true,
          }),
          UnsettledTurnsError,
        );
        assert.deepEqual(
          (await store.listMessages(sessionId)).map((message) => message.id),
          [first.turn.userMessageId],
        );
      }
      // Another session's unfinished turn is no reason to refuse.
      const { id: otherId } = await store.createSession({ userId: 'alice' });
      const other = await store.startTurn({ ...turnInput(otherId, waiting), onlyIfSettled: true });
      assert.equal(other.created, true);
      await store.finishTurn({
        turnId: first.turn.id,
        status: 'completed',
        error: null,
        assistantMessage: null,
        usage: null,
      });
      const second = await store.startTurn({
        ...turnInput(sessionId, waiting),
        onlyIfSettled: true,
      });
      assert.equal(second.created, true);
    });

    test('withConversation returns the conversation it leaves: messages and waiting follow-ups, less the one it took', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const question = userMessage('first');
      const first = await store.startTurn(turnInput(sessionId, question));
      assert.equal('conversation' in first, false, 'only when asked for');
      const answer = assistantMessage(first.turn.assistantMessageId, 'an answer');
      await store.finishTurn({
        turnId: first.turn.id,
        status: 'completed',
        error: null,
        assistantMessage: answer,
        usage: null,
      });
      const waiting = userMessage('also this');
      await store.addPendingMessage({ sessionId, message: waiting, mode: 'queue' });
      const next = userMessage('second');
      // Waiting too, as a follow-up: the turn takes it, so it is no longer waiting.
      await store.addPendingMessage({ sessionId, message: next, mode: 'queue' });
      const input = { ...turnInput(sessionId, next), withConversation: true };
      const started = await store.startTurn(input);
      assert.ok(started.created && started.conversation);
      assert.deepEqual(started.conversation.messages, [question, answer, next]);
      assert.deepEqual(
        started.conversation.pendingMessages.map(({ message, mode }) => ({ message, mode })),
        [{ message: waiting, mode: 'queue' }],
      );
      assert.deepEqual(
        started.conversation.pendingMessages,
        await store.listPendingMessages(sessionId),
      );
      assert.equal(
        JSON.stringify(started.conversation.messages),
        JSON.stringify(await store.listMessages(sessionId)),
      );
      const retried = await store.startTurn(input);
      assert.equal(retried.created, false);
      assert.equal('conversation' in retried, false, 'a retry stores nothing and reads nothing');
    });

    test('a retry with the same message id returns the first turn and stores nothing new', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const message = userMessage('only once');
      const first = await store.startTurn(turnInput(sessionId, message));
      const retry = turnInput(sessionId, message);
      const second = await store.startTurn(retry);
      assert.equal(second.created, false);
      assert.deepEqual(second.turn, first.turn);
      assert.equal(await store.getTurn(retry.turnId), null);
      assert.deepEqual(await store.listMessages(sessionId), [message]);
    });

    test('concurrent calls with the same message id create exactly one turn and one message', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      for (let round = 0; round < 50; round += 1) {
        const message = userMessage(`double click ${round}`);
        const inputs = [turnInput(sessionId, message), turnInput(sessionId, message)];
        const results = await Promise.all(
          inputs.map(async (input) => {
            await randomDelay();
            return store.startTurn(input);
          }),
        );
        const created = results.filter((result) => result.created);
        assert.equal(created.length, 1, `round ${round}: one call creates`);
        const winner = created[0]?.turn;
        for (const result of results) assert.deepEqual(result.turn, winner);
        const loser = inputs.find((input) => input.turnId !== winner?.id);
        assert.equal(await store.getTurn(loser?.turnId ?? ''), null);
        const messages = await store.listMessages(sessionId);
        assert.equal(messages.filter((stored) => stored.id === message.id).length, 1);
        assert.equal(messages.length, round + 1);
      }
    });

    test('concurrent turns with different message ids all keep their messages', async (store) => {
      for (let round = 0; round < 5; round += 1) {
        const { id: sessionId } = await store.createSession({ userId: 'alice' });
        const messages = Array.from({ length: 12 }, (_, index) => userMessage(`message ${index}`));
        const results = await Promise.all(
          messages.map(async (message) => {
            await randomDelay();
            return store.startTurn(turnInput(sessionId, message));
          }),
        );
        assert.ok(results.every((result) => result.created));
        const stored = await store.listMessages(sessionId);
        assert.deepEqual(
          stored.map((message) => message.id).sort(),
          messages.map((message) => message.id).sort(),
        );
      }
    });

    test('titles an untitled session with the message it stores, and never retitles one', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const first = userMessage('Trip to Porto');
      await store.startTurn({ ...turnInput(sessionId, first), title: 'Trip to Porto 🚆' });
      assert.equal((await store.getSession(sessionId))?.title, 'Trip to Porto 🚆');
      await store.startTurn({ ...turnInput(sessionId, userMessage('and back?')), title: 'Back' });
      assert.equal((await store.getSession(sessionId))?.title, 'Trip to Porto 🚆');
    });

    test('sets no title when the message was stored before (a retry)', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const message = userMessage('only once');
      await store.startTurn(turnInput(sessionId, message));
      const retry = await store.startTurn({ ...turnInput(sessionId, message), title: 'Late' });
      assert.equal(retry.created, false);
      assert.equal((await store.getSession(sessionId))?.title, null);
    });

    test('rejects a turn in a session that does not exist', async (store) => {
      const input = turnInput(randomUUID(), userMessage('anyone there?'));
      await assert.rejects(store.startTurn(input), SessionNotFoundError);
      assert.equal(await store.getTurn(input.turnId), null);
    });
  });

  describe('markTurnRunning', () => {
    test('moves a queued turn to running once and records when it started', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { turn } = await store.startTurn(turnInput(sessionId, userMessage('go')));
      assert.equal(await store.markTurnRunning(turn.id), true);
      const running = await store.getTurn(turn.id);
      assert.equal(running?.status, 'running');
      assert.ok(running?.startedAt instanceof Date);
      assert.equal(await store.markTurnRunning(turn.id), false);
      assert.deepEqual(await store.getTurn(turn.id), running);
    });

    test('leaves a finished or missing turn alone', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const { turn } = await store.startTurn(turnInput(sessionId, userMessage('stop early')));
      const finished = {
        turnId: turn.id,
        status: 'cancelled',
        error: null,
        assistantMessage: null,
        usage: null,
      } as const;
      assert.equal(await store.finishTurn(finished), true);
      assert.equal(await store.markTurnRunning(turn.id), false);
      const cancelled = await store.getTurn(turn.id);
      assert.equal(cancelled?.status, 'cancelled');
      assert.equal(cancelled?.startedAt, null);
      assert.equal(await store.markTurnRunning(randomUUID()), false);
      assert.equal(await store.getTurn(randomUUID()), null);
    });
  });

  describe('beginTurn', () => {
    test('marks a queued turn running and reads the history and the waiting messages', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const question = userMessage('go');
      const { turn } = await store.startTurn(turnInput(sessionId, question));
      const followUp = userMessage('and faster');
      await store.addPendingMessage({ sessionId, message: followUp, mode: 'steer' });
      const began = await store.beginTurn({ turnId: turn.id, sessionId });
      assert.equal(began.running, true);
      assert.equal((await store.getTurn(turn.id))?.status, 'running');
      assert.deepEqual(began.messages, [question]);
      assert.deepEqual(
        began.pendingMessages.map(({ message, mode }) => ({ message, mode })),
        [{ message: followUp, mode: 'steer' }],
      );
    });

    test('reads exactly what listMessages and listPendingMessages read', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const first = await store.startTurn(turnInput(sessionId, userMessage('first')));
      await store.finishTurn({
        turnId: first.turn.id,
        status: 'completed',
        error: null,
        // Keys out of order and nested: the history must read back as written.
        assistantMessage: {
          id: first.turn.assistantMessageId,
          role: 'assistant',
          parts: [{ type: 'text', text: 'an answer', state: 'done' }],
          metadata: { zeta: 1, alpha: { nested: [1, 'two'] } },
        },
        usage: null,
      });
      const { turn } = await store.startTurn(turnInput(sessionId, userMessage('second')));
      await store.addPendingMessage({ sessionId, message: userMessage('steer me'), mode: 'steer' });
      await store.addPendingMessage({
        sessionId,
        message: userMessage('then this'),
        mode: 'queue',
      });
      const began = await store.beginTurn({ turnId: turn.id, sessionId });
      const messages = await store.listMessages(sessionId);
      assert.equal(messages.length, 3);
      assert.deepEqual(began.messages, messages);
      assert.equal(JSON.stringify(began.messages), JSON.stringify(messages));
      assert.deepEqual(began.pendingMessages, await store.listPendingMessages(sessionId));
      assert.equal(began.pendingMessages.length, 2);
    });

    test('reads the session whether or not the turn was still queued', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const question = userMessage('twice');
      const { turn } = await store.startTurn(turnInput(sessionId, question));
      await store.beginTurn({ turnId: turn.id, sessionId });
      const again = await store.beginTurn({ turnId: turn.id, sessionId });
      assert.deepEqual(again, { running: false, messages: [question], pendingMessages: [] });
    });
  });

  describe('failUnfinishedTurns', () => {
    test('fails queued and running turns, and leaves finished ones alone', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: null });
      const queued = await store.startTurn(turnInput(sessionId, userMessage('one')));
      const running = await store.startTurn(turnInput(sessionId, userMessage('two')));
      await store.markTurnRunning(running.turn.id);
      const done = await store.startTurn(turnInput(sessionId, userMessage('three')));
      await store.finishTurn({
        turnId: done.turn.id,
        status: 'completed',
        error: null,
        assistantMessage: null,
        usage: null,
      });
      assert.equal(await store.failUnfinishedTurns('interrupted by a restart'), 2);
      for (const { turn } of [queued, running]) {
        const failed = await store.getTurn(turn.id);
        assert.equal(failed?.status, 'failed');
        assert.equal(failed?.error, 'interrupted by a restart');
        assert.ok(failed?.finishedAt instanceof Date);
      }
      assert.equal((await store.getTurn(done.turn.id))?.status, 'completed');
      assert.equal(await store.failUnfinishedTurns('again'), 0);
    });
  });

  describe('discardTurn', () => {
    test('removes a queued turn and its user message, so the same message can be sent again', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: null });
      const message = userMessage('never queued');
      const first = await store.startTurn(turnInput(sessionId, message));
      assert.equal(await store.discardTurn(first.turn.id), true);
      assert.equal(await store.getTurn(first.turn.id), null);
      assert.deepEqual(await store.listMessages(sessionId), []);
      const retry = await store.startTurn(turnInput(sessionId, message));
      assert.equal(retry.created, true);
      assert.deepEqual(await store.listMessages(sessionId), [message]);
    });

    test('leaves a turn a worker already took', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: null });
      const { turn } = await store.startTurn(turnInput(sessionId, userMessage('taken')));
      await store.markTurnRunning(turn.id);
      assert.equal(await store.discardTurn(turn.id), false);
      assert.equal((await store.getTurn(turn.id))?.status, 'running');
      assert.equal((await store.listMessages(sessionId)).length, 1);
    });
  });

  describe('listUnfinishedTurns', () => {
    test('lists queued and running turns older than the cut-off, oldest first, up to the limit', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: null });
      const { id: otherSessionId } = await store.createSession({ userId: null });
      const old = await store.startTurn(turnInput(sessionId, userMessage('old')));
      await tick();
      const older = await store.startTurn(turnInput(otherSessionId, userMessage('newer')));
      await store.markTurnRunning(older.turn.id);
      await tick();
      const cutOff = new Date(Date.now() + 1);
      await tick();
      const finished = await store.startTurn(turnInput(sessionId, userMessage('later')));
      await store.finishTurn({
        turnId: finished.turn.id,
        status: 'failed',
        error: 'x',
        assistantMessage: null,
        usage: null,
      });
      const listed = await store.listUnfinishedTurns(cutOff, 10);
      const ours = listed.filter((turn) => [sessionId, otherSessionId].includes(turn.sessionId));
      assert.deepEqual(
        ours.map((turn) => [turn.id, turn.status]),
        [
          [old.turn.id, 'queued'],
          [older.turn.id, 'running'],
        ],
      );
      assert.equal((await store.listUnfinishedTurns(cutOff, 1)).length, 1);
      assert.equal((await store.listUnfinishedTurns(new Date(0), 10)).length, 0);
    });

    test('lists the queued and running turns of one session only, oldest first', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: null });
      const { id: otherSessionId } = await store.createSession({ userId: null });
      const first = await store.startTurn(turnInput(sessionId, userMessage('first')));
      await store.markTurnRunning(first.turn.id);
      await tick();
      const finished = await store.startTurn(turnInput(sessionId, userMessage('finished')));
      await store.finishTurn({
        turnId: finished.turn.id,
        status: 'completed',
        error: null,
        assistantMessage: null,
        usage: null,
      });
      await tick();
      const last = await store.startTurn(turnInput(sessionId, userMessage('last')));
      await store.startTurn(turnInput(otherSessionId, userMessage('elsewhere')));
      const listed = await store.listUnfinishedTurnsOfSession(sessionId);
      assert.deepEqual(
        listed.map((turn) => [turn.id, turn.status]),
        [
          [first.turn.id, 'running'],
          [last.turn.id, 'queued'],
        ],
      );
      assert.deepEqual(await store.listUnfinishedTurnsOfSession(randomUUID()), []);
    });
  });
}
