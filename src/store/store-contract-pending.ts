import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import type { UIMessage } from 'ai';
import type { ChatStore, FinishTurnInput, PendingMode, StoredTurn } from './chat-store.ts';
import { SessionNotFoundError } from './chat-store-errors.ts';
import {
  type CreateChatStore,
  randomDelay,
  storeTest,
  tick,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

/**
 * Follow-ups sent while a turn runs: stored durably, listed in order, taken exactly once by the
 * turn that received them (steered) or that they start, given back when that turn is discarded.
 */
export function runPendingContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  async function addAll(
    store: ChatStore,
    sessionId: string,
    messages: UIMessage[],
    mode: PendingMode = 'steer',
  ) {
    for (const message of messages) {
      assert.deepEqual(await store.addPendingMessage({ sessionId, message, mode }), {
        type: 'added',
      });
    }
  }

  async function pendingIds(store: ChatStore, sessionId: string): Promise<string[]> {
    return (await store.listPendingMessages(sessionId)).map((pending) => pending.message.id);
  }

  /** An answer that shows the model received `steered` (as the AI SDK folds it). */
  function answerReceiving(turn: StoredTurn, steered: UIMessage[]): UIMessage {
    return {
      id: turn.assistantMessageId,
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        { type: 'text', text: 'Working on it.', state: 'done' },
        ...steered.map((message) => ({
          type: 'steering-message' as const,
          id: message.id,
          parts: [{ type: 'text' as const, text: textOf(message) }],
        })),
        { type: 'step-start' },
        { type: 'text', text: 'Noted.', state: 'done' },
      ],
    };
  }

  function completion(turn: StoredTurn, steered: UIMessage[]): FinishTurnInput {
    return {
      turnId: turn.id,
      status: 'completed',
      error: null,
      assistantMessage: answerReceiving(turn, steered),
      usage: null,
    };
  }

  async function runningTurn(store: ChatStore, sessionId: string): Promise<StoredTurn> {
    const { turn } = await store.startTurn(turnInput(sessionId, userMessage('a long task')));
    assert.equal(await store.markTurnRunning(turn.id), true);
    return turn;
  }

  describe('addPendingMessage and listPendingMessages', () => {
    test('lists waiting follow-ups oldest first, each as sent with its mode and time', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      await runningTurn(store, sessionId);
      const first: UIMessage = {
        id: randomUUID(),
        role: 'user',
        metadata: { zone: 'UTC', at: 1 },
        parts: [{ type: 'text', text: 'also check Porto' }],
      };
      const second = userMessage('and then Faro');
      const third = userMessage('in euros please');
      await addAll(store, sessionId, [first]);
      await addAll(store, sessionId, [second], 'queue');
      await addAll(store, sessionId, [third]);
      const pending = await store.listPendingMessages(sessionId);
      assert.deepEqual(
        pending.map(({ sessionId, message, mode }) => ({ sessionId, message, mode })),
        [
          { sessionId, message: first, mode: 'steer' },
          { sessionId, message: second, mode: 'queue' },
          { sessionId, message: third, mode: 'steer' },
        ],
      );
      // Metadata keeps its key order, as stored messages do.
      assert.equal(JSON.stringify(pending[0]?.message), JSON.stringify(first));
      assert.ok(pending.every((entry) => entry.createdAt instanceof Date));
      assert.ok((pending[0]?.createdAt ?? 0) <= (pending[2]?.createdAt ?? 0));
    });

    test('a session without follow-ups lists none, as does a missing session', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      assert.deepEqual(await store.listPendingMessages(sessionId), []);
      assert.deepEqual(await store.listPendingMessages(randomUUID()), []);
    });

    test('adding the same id again answers pending and keeps the first one as it was', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const message = userMessage('once');
      await addAll(store, sessionId, [message]);
      const retry = await store.addPendingMessage({
        sessionId,
        message: { ...message, parts: [{ type: 'text', text: 'changed' }] },
        mode: 'queue',
      });
      assert.deepEqual(retry, { type: 'pending' });
      const pending = await store.listPendingMessages(sessionId);
      assert.equal(pending.length, 1);
      assert.deepEqual(pending[0]?.message, message);
      assert.equal(pending[0]?.mode, 'steer');
    });

    test('an id the session already uses for a message or an answer answers stored', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const question = userMessage('first question');
      const { turn } = await store.startTurn(turnInput(sessionId, question));
      const add = (id: string) =>
        store.addPendingMessage({ sessionId, message: userMessage('again', id), mode: 'steer' });
      assert.deepEqual(await add(question.id), { type: 'stored' });
      // The answer's id is reserved while the turn runs: the answer will be stored under it.
      assert.deepEqual(await add(turn.assistantMessageId), { type: 'stored' });
      await store.finishTurn(completion(turn, []));
      assert.deepEqual(await add(turn.assistantMessageId), { type: 'stored' });
      assert.deepEqual(await store.listPendingMessages(sessionId), []);
    });

    test('the same id in another session is another follow-up', async (store) => {
      const alice = await store.createSession({ userId: 'alice' });
      const mallory = await store.createSession({ userId: 'mallory' });
      const id = randomUUID();
      await store.startTurn(turnInput(mallory.id, userMessage('taken there', id)));
      const mine = userMessage('mine', id);
      await addAll(store, alice.id, [mine]);
      assert.deepEqual(await store.listPendingMessages(mallory.id), []);
      assert.deepEqual(await pendingIds(store, alice.id), [id]);
    });

    test('concurrent adds of one id add it exactly once', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      for (let round = 0; round < 30; round += 1) {
        const message = userMessage(`double click ${round}`);
        const results = await Promise.all(
          [0, 1, 2].map(async () => {
            await randomDelay();
            return store.addPendingMessage({ sessionId, message, mode: 'steer' });
          }),
        );
        const types = results.map((result) => result.type).sort();
        assert.deepEqual(types, ['added', 'pending', 'pending'], `round ${round}`);
      }
      assert.equal((await store.listPendingMessages(sessionId)).length, 30);
    });

    test('a follow-up and a turn racing on one id never both store it', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      for (let round = 0; round < 20; round += 1) {
        const message = userMessage(`sent twice ${round}`);
        const input = turnInput(sessionId, message);
        const [added, started] = await Promise.all([
          randomDelay().then(() => store.addPendingMessage({ sessionId, message, mode: 'steer' })),
          randomDelay().then(() => store.startTurn(input)),
        ]);
        // Either order ends with the message stored once, answered by the one turn, not waiting.
        assert.equal(started.created, true, `round ${round}`);
        assert.ok(
          (added.type === 'added' || added.type === 'taken' || added.type === 'stored') &&
            (added.type !== 'taken' || added.turnId === input.turnId),
          `round ${round}: ${added.type}`,
        );
        assert.equal(
          (await store.listMessages(sessionId)).filter((stored) => stored.id === message.id).length,
          1,
        );
        assert.deepEqual(await store.listPendingMessages(sessionId), []);
      }
    });

    test('rejects a follow-up for a missing session', async (store) => {
      await assert.rejects(
        store.addPendingMessage({
          sessionId: randomUUID(),
          message: userMessage('x'),
          mode: 'steer',
        }),
        SessionNotFoundError,
      );
    });
  });

  describe('turns take follow-ups', () => {
    test('startTurn takes a waiting follow-up as its user message', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const follow = userMessage('next question');
      const later = userMessage('and another');
      await addAll(store, sessionId, [follow, later], 'queue');
      const input = turnInput(sessionId, follow);
      const started = await store.startTurn(input);
      assert.equal(started.created, true);
      assert.deepEqual(await store.listMessages(sessionId), [follow]);
      assert.deepEqual(await pendingIds(store, sessionId), [later.id]);
      assert.deepEqual(
        await store.addPendingMessage({ sessionId, message: follow, mode: 'queue' }),
        { type: 'taken', turnId: input.turnId },
      );
      const retry = await store.startTurn(turnInput(sessionId, follow));
      assert.deepEqual(retry, { created: false, turn: started.turn });
    });

    test('finishTurn takes exactly the follow-ups its answer shows as steering messages', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const other = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      const steered = userMessage('also Porto');
      const waiting = userMessage('then Faro');
      const elsewhere = userMessage('in the other chat');
      await addAll(store, sessionId, [steered, waiting]);
      await addAll(store, other.id, [elsewhere]);
      const unknown = userMessage('never added here');
      assert.equal(await store.finishTurn(completion(turn, [steered, elsewhere, unknown])), true);
      assert.deepEqual(await pendingIds(store, sessionId), [waiting.id]);
      assert.deepEqual(await pendingIds(store, other.id), [elsewhere.id]);
      assert.deepEqual(
        await store.addPendingMessage({ sessionId, message: steered, mode: 'steer' }),
        { type: 'taken', turnId: turn.id },
      );
      // The answer that carries it is the record: no user message of its own.
      const stored = await store.listMessages(sessionId);
      assert.equal(stored.length, 2);
      assert.ok(!stored.some((message) => message.id === steered.id));
    });

    test('a second finish takes nothing, even a follow-up its answer names', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      const first = userMessage('first');
      const second = userMessage('second');
      await addAll(store, sessionId, [first, second]);
      assert.equal(await store.finishTurn(completion(turn, [first])), true);
      assert.equal(await store.finishTurn(completion(turn, [first, second])), false);
      assert.deepEqual(await pendingIds(store, sessionId), [second.id]);
    });

    test('a follow-up another turn already took stays with that turn', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const follow = userMessage('next question');
      await addAll(store, sessionId, [follow]);
      const { turn: starter } = await store.startTurn(turnInput(sessionId, follow));
      const { turn: other } = await store.startTurn(turnInput(sessionId, userMessage('more')));
      assert.equal(await store.finishTurn(completion(other, [follow])), true);
      assert.deepEqual(
        await store.addPendingMessage({ sessionId, message: follow, mode: 'steer' }),
        { type: 'taken', turnId: starter.id },
      );
    });

    test('startTurn with a steered follow-up returns the turn that received it', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      const steered = userMessage('also Porto');
      await addAll(store, sessionId, [steered]);
      await store.finishTurn(completion(turn, [steered]));
      const before = await store.listMessages(sessionId);
      const retry = turnInput(sessionId, steered);
      const result = await store.startTurn(retry);
      assert.equal(result.created, false);
      assert.deepEqual(result.turn, await store.getTurn(turn.id));
      assert.equal(await store.getTurn(retry.turnId), null);
      assert.deepEqual(await store.listMessages(sessionId), before);
    });

    test('discardTurn gives the follow-up its turn took back, in its place', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const follow = userMessage('next question');
      const later = userMessage('and another');
      await addAll(store, sessionId, [follow, later], 'queue');
      const { turn } = await store.startTurn(turnInput(sessionId, follow));
      assert.equal(await store.discardTurn(turn.id), true);
      assert.deepEqual(await pendingIds(store, sessionId), [follow.id, later.id]);
      assert.deepEqual(await store.listMessages(sessionId), []);
      assert.equal((await store.listPendingMessages(sessionId))[0]?.mode, 'queue');
      const again = await store.startTurn(turnInput(sessionId, follow));
      assert.equal(again.created, true);
      assert.deepEqual(await pendingIds(store, sessionId), [later.id]);
    });

    test('discardTurn of a turn a worker took keeps its follow-up taken', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const follow = userMessage('next question');
      await addAll(store, sessionId, [follow]);
      const { turn } = await store.startTurn(turnInput(sessionId, follow));
      await store.markTurnRunning(turn.id);
      assert.equal(await store.discardTurn(turn.id), false);
      assert.deepEqual(await store.listPendingMessages(sessionId), []);
      assert.deepEqual(
        await store.addPendingMessage({ sessionId, message: follow, mode: 'steer' }),
        { type: 'taken', turnId: turn.id },
      );
    });

    test('answering an earlier message again removes the follow-ups later turns received', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const question = userMessage('first question');
      const { turn: first } = await store.startTurn(turnInput(sessionId, question));
      await store.finishTurn(completion(first, []));
      const second = await runningTurn(store, sessionId);
      const steered = userMessage('also Porto');
      await addAll(store, sessionId, [steered]);
      await store.finishTurn(completion(second, [steered]));
      await store.startReplacementTurn({
        sessionId,
        target: { type: 'regenerate', messageId: first.assistantMessageId },
        turnId: randomUUID(),
        assistantMessageId: randomUUID(),
      });
      // Gone with the answer that carried it, as the history reads now; sending it again adds it.
      assert.deepEqual(
        await store.addPendingMessage({ sessionId, message: steered, mode: 'steer' }),
        { type: 'added' },
      );
    });
  });

  describe('counts and the sweeper view', () => {
    test("counts a user's waiting follow-ups across their sessions, or one session's", async (store) => {
      const first = await store.createSession({ userId: 'alice' });
      const second = await store.createSession({ userId: 'alice' });
      const others = await store.createSession({ userId: 'bob' });
      const anonymous = await store.createSession({ userId: null });
      const taken = userMessage('taken');
      await addAll(store, first.id, [taken, userMessage('a'), userMessage('b')]);
      await addAll(store, second.id, [userMessage('c')]);
      await addAll(store, others.id, [userMessage('d')]);
      await addAll(store, anonymous.id, [userMessage('e'), userMessage('f')]);
      await store.startTurn(turnInput(first.id, taken));
      assert.equal(await store.countPendingMessages({ userId: 'alice' }), 3);
      assert.equal(await store.countPendingMessages({ userId: 'bob' }), 1);
      assert.equal(await store.countPendingMessages({ userId: 'carol' }), 0);
      assert.equal(await store.countPendingMessages({ sessionId: first.id }), 2);
      assert.equal(await store.countPendingMessages({ sessionId: anonymous.id }), 2);
    });

    test("counts a user's queued and running turns, or one session's", async (store) => {
      const first = await store.createSession({ userId: 'alice' });
      const second = await store.createSession({ userId: 'alice' });
      const others = await store.createSession({ userId: 'bob' });
      const anonymous = await store.createSession({ userId: null });
      await runningTurn(store, first.id);
      const finished = await runningTurn(store, first.id);
      await store.finishTurn(completion(finished, []));
      await store.startTurn(turnInput(second.id, userMessage('queued')));
      const failed = await runningTurn(store, second.id);
      await store.finishTurn({ ...completion(failed, []), status: 'failed', error: 'boom' });
      await runningTurn(store, others.id);
      await runningTurn(store, anonymous.id);
      await store.startTurn(turnInput(anonymous.id, userMessage('queued')));
      assert.equal(await store.countUnfinishedTurns({ userId: 'alice' }), 2);
      assert.equal(await store.countUnfinishedTurns({ userId: 'bob' }), 1);
      assert.equal(await store.countUnfinishedTurns({ userId: 'carol' }), 0);
      assert.equal(await store.countUnfinishedTurns({ sessionId: second.id }), 1);
      assert.equal(await store.countUnfinishedTurns({ sessionId: anonymous.id }), 2);
    });

    test('lists sessions with follow-ups waiting since before the cut, oldest first', async (store) => {
      const sessions = await Promise.all(
        [1, 2, 3, 4].map(() => store.createSession({ userId: 'alice' })),
      );
      const [oldest, middle, newest, emptied] = sessions.map((session) => session.id);
      const takenLater = userMessage('taken later');
      await addAll(store, emptied ?? '', [takenLater]);
      await tick();
      await addAll(store, oldest ?? '', [userMessage('first')]);
      await tick();
      await addAll(store, middle ?? '', [userMessage('second')]);
      await tick();
      await addAll(store, newest ?? '', [userMessage('third')]);
      await addAll(store, oldest ?? '', [userMessage('oldest again, last')]);
      await store.startTurn(turnInput(emptied ?? '', takenLater));
      const cut = (await store.listPendingMessages(newest ?? ''))[0]?.createdAt ?? new Date();
      assert.deepEqual(await store.listSessionsWithPendingMessages(cut, 10), [oldest, middle]);
      assert.deepEqual(await store.listSessionsWithPendingMessages(cut, 1), [oldest]);
      const future = new Date(Date.now() + 60_000);
      assert.deepEqual(await store.listSessionsWithPendingMessages(future, 10), [
        oldest,
        middle,
        newest,
      ]);
      assert.deepEqual(await store.listSessionsWithPendingMessages(new Date(0), 10), []);
    });

    test('deleting a session deletes its follow-ups', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const turn = await runningTurn(store, sessionId);
      const steered = userMessage('steered');
      await addAll(store, sessionId, [steered, userMessage('waiting')]);
      await store.finishTurn(completion(turn, [steered]));
      assert.equal(await store.deleteSession(sessionId), true);
      assert.deepEqual(await store.listPendingMessages(sessionId), []);
      assert.equal(await store.countPendingMessages({ userId: 'alice' }), 0);
      const future = new Date(Date.now() + 60_000);
      assert.deepEqual(await store.listSessionsWithPendingMessages(future, 10), []);
      await assert.rejects(
        store.addPendingMessage({ sessionId, message: userMessage('late'), mode: 'steer' }),
        SessionNotFoundError,
      );
    });
  });
}

function textOf(message: UIMessage): string {
  return message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}
