import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import { type CreateChatStore, storeTest } from './store-contract-support.ts';

/** Context summaries: one per session, replaced, gone with their session. */
export function runSummaryContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  describe('context summaries', () => {
    test('a session has no summary until one is saved, then reads back exactly that one', async (store) => {
      const session = await store.createSession({ userId: null });
      assert.equal(await store.getContextSummary(session.id), null);
      const summary = { throughMessageId: 'message-7', text: 'They spoke of ünïcode and 🚀.' };
      assert.equal(await store.saveContextSummary(session.id, summary), true);
      assert.deepEqual(await store.getContextSummary(session.id), summary);
    });

    test('a later summary replaces the earlier one; other sessions keep theirs', async (store) => {
      const first = await store.createSession({ userId: null });
      const second = await store.createSession({ userId: null });
      await store.saveContextSummary(first.id, { throughMessageId: 'a', text: 'early' });
      await store.saveContextSummary(second.id, { throughMessageId: 'x', text: 'other' });
      await store.saveContextSummary(first.id, { throughMessageId: 'b', text: 'later' });
      assert.deepEqual(await store.getContextSummary(first.id), {
        throughMessageId: 'b',
        text: 'later',
      });
      assert.deepEqual(await store.getContextSummary(second.id), {
        throughMessageId: 'x',
        text: 'other',
      });
    });

    test('saving for a missing session stores nothing and says so', async (store) => {
      const missing = randomUUID();
      assert.equal(
        await store.saveContextSummary(missing, { throughMessageId: 'a', text: 't' }),
        false,
      );
      assert.equal(await store.getContextSummary(missing), null);
    });

    test('a deleted session takes its summary with it', async (store) => {
      const session = await store.createSession({ userId: null });
      await store.saveContextSummary(session.id, { throughMessageId: 'a', text: 'gone soon' });
      assert.equal(await store.deleteSession(session.id), true);
      assert.equal(await store.getContextSummary(session.id), null);
    });

    test('text Postgres cannot hold is stored with U+FFFD in its place', async (store) => {
      const session = await store.createSession({ userId: null });
      await store.saveContextSummary(session.id, { throughMessageId: 'a', text: 'nul\u0000here' });
      assert.equal((await store.getContextSummary(session.id))?.text, 'nul\uFFFDhere');
    });
  });
}
