import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import {
  assistantMessage,
  type CreateChatStore,
  randomDelay,
  startedTurn,
  storeTest,
  tick,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

/** Sessions: create, read, list, title, rename, delete, claim. */
export function runSessionContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  describe('sessions', () => {
    test('creates a session with the given id, owner, no title and zero usage', async (store) => {
      const id = randomUUID();
      const session = await store.createSession({ id, userId: 'alice' });
      assert.equal(session.id, id);
      assert.equal(session.userId, 'alice');
      assert.equal(session.title, null);
      assert.ok(session.createdAt instanceof Date);
      assert.ok(session.updatedAt instanceof Date);
      assert.deepEqual(session.usage, { inputTokens: 0, outputTokens: 0, totalTokens: 0 });
      assert.deepEqual(await store.getSession(id), session);
    });

    test('generates a distinct id when none is given', async (store) => {
      const first = await store.createSession({ userId: null });
      const second = await store.createSession({ userId: null });
      assert.ok(first.id.length > 0);
      assert.notEqual(first.id, second.id);
      assert.equal((await store.getSession(second.id))?.userId, null);
    });

    test('returns null for a session that does not exist', async (store) => {
      assert.equal(await store.getSession(randomUUID()), null);
    });

    test('lists sessions most recently active first, with the total', async (store) => {
      const oldest = await store.createSession({ userId: 'alice' });
      await tick();
      const middle = await store.createSession({ userId: 'alice' });
      await tick();
      const newest = await store.createSession({ userId: 'alice' });
      await tick();
      await startedTurn(store, oldest.id);
      const listed = await store.listSessions({ userId: 'alice', limit: 10, offset: 0 });
      assert.deepEqual(
        listed.sessions.map((session) => session.id),
        [oldest.id, newest.id, middle.id],
      );
      assert.equal(listed.total, 3);
    });

    test('pages with limit and offset while the total stays the full count', async (store) => {
      const created: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        created.unshift((await store.createSession({ userId: 'alice' })).id);
        await tick();
      }
      const pages = [];
      for (const offset of [0, 2, 4]) {
        const page = await store.listSessions({ userId: 'alice', limit: 2, offset });
        assert.equal(page.total, 5);
        pages.push(...page.sessions.map((session) => session.id));
      }
      assert.deepEqual(pages, created);
      const beyond = await store.listSessions({ userId: 'alice', limit: 2, offset: 10 });
      assert.deepEqual(beyond, { sessions: [], total: 5 });
    });

    test('lists only the sessions of the given user, or only anonymous ones for null', async (store) => {
      const alice = [
        await store.createSession({ userId: 'alice' }),
        await store.createSession({ userId: 'alice' }),
      ];
      const bob = await store.createSession({ userId: 'bob' });
      const anonymous = await store.createSession({ userId: null });
      const ids = async (userId: string | null) => {
        const listed = await store.listSessions({ userId, limit: 10, offset: 0 });
        assert.equal(listed.total, listed.sessions.length);
        return listed.sessions.map((session) => session.id).sort();
      };
      assert.deepEqual(await ids('alice'), alice.map((session) => session.id).sort());
      assert.deepEqual(await ids('bob'), [bob.id]);
      assert.deepEqual(await ids(null), [anonymous.id]);
      assert.deepEqual(await ids('carol'), []);
    });

    test('sets a title only while none is set', async (store) => {
      const { id } = await store.createSession({ userId: 'alice' });
      assert.equal(await store.setTitleIfUnset(id, 'First title'), true);
      assert.equal(await store.setTitleIfUnset(id, 'Second title'), false);
      assert.equal((await store.getSession(id))?.title, 'First title');
      assert.equal(await store.setTitleIfUnset(randomUUID(), 'No session'), false);
    });

    test('replaces a title only while it is still the one expected', async (store) => {
      const { id } = await store.createSession({ userId: 'alice' });
      assert.equal(await store.replaceTitle(id, 'Automatic', 'Generated'), false, 'no title yet');
      await store.setTitleIfUnset(id, 'Automatic');
      assert.equal(await store.replaceTitle(id, 'Automatic', 'Generated'), true);
      assert.equal((await store.getSession(id))?.title, 'Generated');
      await store.renameSession(id, 'Chosen by the user');
      assert.equal(await store.replaceTitle(id, 'Generated', 'Generated again'), false);
      assert.equal((await store.getSession(id))?.title, 'Chosen by the user');
      assert.equal(await store.replaceTitle(randomUUID(), 'a', 'b'), false);
    });

    test('renames a session whatever its title, and reports a missing one', async (store) => {
      const { id } = await store.createSession({ userId: 'alice' });
      assert.equal(await store.renameSession(id, 'Trip to Lisbon'), true);
      assert.equal(await store.renameSession(id, 'Trip to Porto 🚆'), true);
      assert.equal((await store.getSession(id))?.title, 'Trip to Porto 🚆');
      assert.equal(await store.setTitleIfUnset(id, 'Generated'), false);
      assert.equal(await store.renameSession(randomUUID(), 'Nothing'), false);
    });

    test('deletes a session together with its messages and turns', async (store) => {
      const { id } = await store.createSession({ userId: 'alice' });
      const message = userMessage('remember this');
      const { turn } = await store.startTurn(turnInput(id, message));
      await store.finishTurn({
        turnId: turn.id,
        status: 'completed',
        error: null,
        assistantMessage: assistantMessage(turn.assistantMessageId, 'noted'),
        usage: null,
      });
      assert.equal(await store.deleteSession(id), true);
      assert.equal(await store.getSession(id), null);
      assert.equal(await store.getTurn(turn.id), null);
      assert.deepEqual(await store.listMessages(id), []);
      assert.equal(await store.deleteSession(id), false);
      // The message rows are gone too: their ids are free for a new turn elsewhere.
      const other = await store.createSession({ userId: 'alice' });
      const again = await store.startTurn(turnInput(other.id, message));
      assert.equal(again.created, true);
    });
  });

  describe('assignUser', () => {
    test('claims an anonymous session for the caller', async (store) => {
      const { id } = await store.createSession({ userId: null });
      assert.equal(await store.assignUser(id, 'alice'), 'assigned');
      assert.equal((await store.getSession(id))?.userId, 'alice');
    });

    test('reports a session the caller already owns as already-yours', async (store) => {
      const { id } = await store.createSession({ userId: 'alice' });
      assert.equal(await store.assignUser(id, 'alice'), 'already-yours');
      assert.equal((await store.getSession(id))?.userId, 'alice');
    });

    test('never re-assigns a session owned by another user', async (store) => {
      const owned = await store.createSession({ userId: 'alice' });
      assert.equal(await store.assignUser(owned.id, 'mallory'), 'owned-by-another');
      assert.equal((await store.getSession(owned.id))?.userId, 'alice');
      const claimed = await store.createSession({ userId: null });
      assert.equal(await store.assignUser(claimed.id, 'alice'), 'assigned');
      assert.equal(await store.assignUser(claimed.id, 'mallory'), 'owned-by-another');
      assert.equal((await store.getSession(claimed.id))?.userId, 'alice');
    });

    test('reports a missing session as not-found', async (store) => {
      assert.equal(await store.assignUser(randomUUID(), 'alice'), 'not-found');
    });

    test('gives a contested anonymous session to exactly one of two racing users', async (store) => {
      for (let round = 0; round < 20; round += 1) {
        const { id } = await store.createSession({ userId: null });
        const results = await Promise.all(
          ['alice', 'bob'].map(async (userId) => {
            await randomDelay();
            return { userId, result: await store.assignUser(id, userId) };
          }),
        );
        const winners = results.filter((entry) => entry.result === 'assigned');
        assert.equal(winners.length, 1);
        const losers = results.filter((entry) => entry.result === 'owned-by-another');
        assert.equal(losers.length, 1);
        assert.equal((await store.getSession(id))?.userId, winners[0]?.userId);
      }
    });
  });
}
