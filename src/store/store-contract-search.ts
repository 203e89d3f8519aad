import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { ChatStore } from './chat-store.ts';
import {
  assistantMessage,
  type CreateChatStore,
  startedTurn,
  storeTest,
  tick,
} from './store-contract-support.ts';

/** Searching the session list: by title and message text, literally, only the owner's. */
export function runSearchContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  const search = async (
    store: ChatStore,
    userId: string | null,
    text: string,
    page = { limit: 10, offset: 0 },
  ) => {
    const listed = await store.listSessions({ userId, search: text, ...page });
    return { ids: listed.sessions.map((session) => session.id), total: listed.total };
  };

  const titled = async (store: ChatStore, userId: string | null, title: string) => {
    const session = await store.createSession({ userId });
    await store.renameSession(session.id, title);
    await tick();
    return session.id;
  };

  describe('searching sessions', () => {
    test('finds sessions whose title contains the text, ignoring case, newest first', async (store) => {
      const lisbon = await titled(store, 'alice', 'Trip to Lisbon');
      await titled(store, 'alice', 'Tax return');
      const porto = await titled(store, 'alice', 'TRIP to Porto');
      assert.deepEqual(await search(store, 'alice', 'trip'), { ids: [porto, lisbon], total: 2 });
      assert.deepEqual(await search(store, 'alice', 'Lisbon'), { ids: [lisbon], total: 1 });
      assert.deepEqual(await search(store, 'alice', 'Madrid'), { ids: [], total: 0 });
      const munich = await titled(store, 'alice', 'Über München');
      assert.deepEqual(await search(store, 'alice', 'üBER'), { ids: [munich], total: 1 });
    });

    test('pages through the matches while the total counts all of them', async (store) => {
      const matching: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        matching.unshift(await titled(store, 'alice', `report ${index}`));
        await titled(store, 'alice', `other ${index}`);
      }
      const pages: string[] = [];
      for (const offset of [0, 2, 4]) {
        const page = await search(store, 'alice', 'report', { limit: 2, offset });
        assert.equal(page.total, 5);
        pages.push(...page.ids);
      }
      assert.deepEqual(pages, matching);
    });

    test('finds sessions by the text of their user and assistant messages', async (store) => {
      const byUser = (await store.createSession({ userId: 'alice' })).id;
      await startedTurn(store, byUser, 'How do I bake sourdough bread?');
      const byAnswer = (await store.createSession({ userId: 'alice' })).id;
      const turn = await startedTurn(store, byAnswer, 'What should I cook tonight?');
      await store.finishTurn({
        turnId: turn.id,
        status: 'completed',
        error: null,
        assistantMessage: assistantMessage(turn.assistantMessageId, 'Try a SOURDOUGH pizza.'),
        usage: null,
      });
      await titled(store, 'alice', 'Unrelated');
      const found = await search(store, 'alice', 'sourdough');
      assert.deepEqual([...found.ids].sort(), [byUser, byAnswer].sort());
      assert.equal(found.total, 2);
    });

    test('matches message text only, not the structure around it', async (store) => {
      const session = (await store.createSession({ userId: 'alice' })).id;
      await startedTurn(store, session, 'hello');
      // Every stored part has `"type": "text"`; only the words a person wrote may match.
      assert.deepEqual(await search(store, 'alice', 'text'), { ids: [], total: 0 });
      assert.deepEqual(await search(store, 'alice', 'type'), { ids: [], total: 0 });
    });

    test('takes %, _ and backslash literally', async (store) => {
      const percent = await titled(store, 'alice', 'Growth of 50% a year');
      const underscore = await titled(store, 'alice', 'rename snake_case names');
      const backslash = await titled(store, 'alice', 'C:\\Users\\alice');
      await titled(store, 'alice', 'Growth of 500 a year, snakeXcase, C:/Users');
      assert.deepEqual(await search(store, 'alice', '%'), { ids: [percent], total: 1 });
      assert.deepEqual(await search(store, 'alice', '0%'), { ids: [percent], total: 1 });
      assert.deepEqual(await search(store, 'alice', 'e_c'), { ids: [underscore], total: 1 });
      assert.deepEqual(await search(store, 'alice', '\\'), { ids: [backslash], total: 1 });
      assert.deepEqual(await search(store, 'alice', ':\\U'), { ids: [backslash], total: 1 });
    });

    test('searches only the sessions of the given user, or only anonymous ones for null', async (store) => {
      const alice = await titled(store, 'alice', 'shared word');
      const bob = await titled(store, 'bob', 'shared word');
      const anonymous = await titled(store, null, 'shared word');
      const bobsMessage = (await store.createSession({ userId: 'bob' })).id;
      await startedTurn(store, bobsMessage, 'a shared word in a message');
      assert.deepEqual(await search(store, 'alice', 'shared'), { ids: [alice], total: 1 });
      assert.deepEqual(await search(store, 'bob', 'shared'), {
        ids: [bobsMessage, bob],
        total: 2,
      });
      assert.deepEqual(await search(store, null, 'shared'), { ids: [anonymous], total: 1 });
      assert.deepEqual(await search(store, 'carol', 'shared'), { ids: [], total: 0 });
    });

    test('lists every session for a blank search, and takes text Postgres cannot hold', async (store) => {
      const first = await titled(store, 'alice', 'one');
      const second = await titled(store, 'alice', 'two');
      assert.deepEqual(await search(store, 'alice', ''), { ids: [second, first], total: 2 });
      assert.deepEqual(await search(store, 'alice', '   '), { ids: [second, first], total: 2 });
      assert.deepEqual(await search(store, 'alice', 'o\u0000'), { ids: [], total: 0 });
    });
  });
}
