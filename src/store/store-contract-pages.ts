import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import type { UIMessage } from 'ai';
import type { ChatStore, MessagePage } from './chat-store.ts';
import {
  assistantMessage,
  type CreateChatStore,
  storeTest,
  turnInput,
  userMessage,
} from './store-contract-support.ts';

/** listMessagePage: a long history read back page by page from its newest message. */
export function runPageContract(createStore: CreateChatStore): void {
  const test = storeTest(createStore);

  /** `exchanges` question/answer pairs, as finished turns; returns every message in order. */
  async function conversation(
    store: ChatStore,
    sessionId: string,
    exchanges: number,
  ): Promise<UIMessage[]> {
    const messages: UIMessage[] = [];
    for (let index = 1; index <= exchanges; index += 1) {
      const question = userMessage(`question ${index}`);
      const { turn } = await store.startTurn(turnInput(sessionId, question));
      const answer = assistantMessage(turn.assistantMessageId, `answer ${index}`);
      await store.finishTurn({
        turnId: turn.id,
        status: 'completed',
        error: null,
        assistantMessage: answer,
        usage: null,
      });
      messages.push(question, answer);
    }
    return messages;
  }

  /** Every page from the newest back, following `oldestSequence` until `hasMore` is false. */
  async function allPages(store: ChatStore, sessionId: string, limit: number) {
    const pages: MessagePage[] = [];
    let beforeSequence: number | undefined;
    for (;;) {
      const page = await store.listMessagePage(sessionId, {
        limit,
        ...(beforeSequence === undefined ? {} : { beforeSequence }),
      });
      pages.push(page);
      if (!page.hasMore || page.oldestSequence === null) return pages;
      assert.ok(pages.length < 100, 'the pages never end');
      beforeSequence = page.oldestSequence;
    }
  }

  describe('listMessagePage', () => {
    test('reads the newest page first, each page oldest first, until no older message is left', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const messages = await conversation(store, sessionId, 4);
      const pages = await allPages(store, sessionId, 3);
      assert.deepEqual(
        pages.map((page) => page.messages),
        [messages.slice(5), messages.slice(2, 5), messages.slice(0, 2)],
      );
      assert.deepEqual(
        pages.map((page) => page.hasMore),
        [true, true, false],
      );
      const sequences = pages.map((page) => page.oldestSequence);
      assert.ok(
        sequences.every((sequence, index) => index === 0 || sequence! < sequences[index - 1]!),
        `oldest sequences fall page by page: ${sequences.join(', ')}`,
      );
      assert.deepEqual(
        pages.toReversed().flatMap((page) => page.messages),
        await store.listMessages(sessionId),
      );
    });

    test('a page as large as the history, or one without a limit, holds all of it and has nothing older', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const messages = await conversation(store, sessionId, 2);
      for (const limit of [4, 200]) {
        const page = await store.listMessagePage(sessionId, { limit });
        assert.deepEqual(page.messages, messages);
        assert.equal(page.hasMore, false);
      }
      const whole = await store.listMessagePage(sessionId, {});
      assert.deepEqual(whole, await store.listMessagePage(sessionId, { limit: 4 }), 'no limit');
      const older = await store.listMessagePage(sessionId, {
        beforeSequence: (whole.oldestSequence ?? 0) + 2,
      });
      assert.deepEqual(older.messages, messages.slice(0, 2), 'no limit, before a cursor');
      assert.equal(older.hasMore, false);
      const exact = await store.listMessagePage(sessionId, { limit: 3 });
      assert.equal(exact.hasMore, true, 'one message is left before a page of three');
    });

    test('reads from the end when the cursor is past the newest message', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const messages = await conversation(store, sessionId, 2);
      const newest = await store.listMessagePage(sessionId, { limit: 2 });
      for (const beforeSequence of [(newest.oldestSequence ?? 0) + 1000, 2_147_483_647, 1e12]) {
        const page = await store.listMessagePage(sessionId, { limit: 2, beforeSequence });
        assert.deepEqual(page, newest, `before ${beforeSequence}`);
      }
      assert.deepEqual(newest.messages, messages.slice(2));
    });

    test('has nothing before the first message, and nothing for an empty or missing session', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const empty = { messages: [], oldestSequence: null, hasMore: false };
      assert.deepEqual(await store.listMessagePage(sessionId, { limit: 50 }), empty);
      assert.deepEqual(await store.listMessagePage(randomUUID(), { limit: 50 }), empty);
      await conversation(store, sessionId, 1);
      const everything = await store.listMessagePage(sessionId, { limit: 50 });
      const first = everything.oldestSequence;
      assert.ok(first !== null);
      for (const beforeSequence of [first, first - 1, 0, -5]) {
        assert.deepEqual(
          await store.listMessagePage(sessionId, { limit: 50, beforeSequence }),
          empty,
          `before ${beforeSequence}`,
        );
      }
    });

    test('a page holds only its own session', async (store) => {
      const mine = await store.createSession({ userId: 'alice' });
      const other = await store.createSession({ userId: 'alice' });
      const messages = await conversation(store, mine.id, 1);
      await conversation(store, other.id, 2);
      const page = await store.listMessagePage(mine.id, { limit: 10 });
      assert.deepEqual(page.messages, messages);
      assert.equal(page.hasMore, false);
    });

    test('the answer of a running turn joins the newest page when it is persisted', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      const earlier = await conversation(store, sessionId, 1);
      const question = userMessage('still thinking');
      const { turn } = await store.startTurn(turnInput(sessionId, question));
      const during = await store.listMessagePage(sessionId, { limit: 2 });
      assert.deepEqual(during.messages, [earlier[1], question]);
      const answer = assistantMessage(turn.assistantMessageId, 'done thinking');
      await store.finishTurn({
        turnId: turn.id,
        status: 'completed',
        error: null,
        assistantMessage: answer,
        usage: null,
      });
      const after = await store.listMessagePage(sessionId, { limit: 2 });
      assert.deepEqual(after.messages, [question, answer]);
      const older = await store.listMessagePage(sessionId, {
        limit: 2,
        beforeSequence: after.oldestSequence ?? 0,
      });
      assert.deepEqual(older.messages, earlier);
    });

    test('refuses a limit below one', async (store) => {
      const { id: sessionId } = await store.createSession({ userId: 'alice' });
      for (const limit of [0, -1, 1.5]) {
        await assert.rejects(store.listMessagePage(sessionId, { limit }), /limit/);
      }
    });
  });
}
