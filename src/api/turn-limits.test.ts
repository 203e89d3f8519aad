import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TurnLimitSettings } from '../config.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { createPgliteSqlClient } from '../store/pglite-sql-client.ts';
import { SqlChatStore } from '../store/sql-chat-store.ts';
import { userMessage } from '../store/store-contract-support.ts';
import { ApiError } from './api-error.ts';
import { checkQueuedMessages, limitScope } from './turn-limits.ts';
import { newVisitorKey, visitorUserId } from './visitor-key.ts';

const settings: TurnLimitSettings = {
  maxRunningTurnsPerUser: 5,
  maxQueuedMessagesPerUser: 2,
  retryAfterSeconds: 7,
};

/** Whether the check lets a follow-up in; a refusal must be the documented 429. */
async function admits(check: Promise<void>): Promise<boolean> {
  try {
    await check;
    return true;
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.code, 'TOO_MANY_QUEUED_MESSAGES');
    assert.equal(error.status, 429);
    assert.equal(error.retryAfterSeconds, 7);
    return false;
  }
}

describe('checkQueuedMessages (MAX_QUEUED_MESSAGES_PER_USER)', () => {
  let store: ChatStore;
  before(async () => {
    store = await SqlChatStore.open(await createPgliteSqlClient({}));
  });
  after(() => store.close());

  const addFollowUps = async (sessionId: string, count: number) => {
    for (let index = 0; index < count; index += 1) {
      const added = await store.addPendingMessage({
        sessionId,
        message: userMessage(`follow-up ${index}`),
        mode: 'steer',
      });
      assert.equal(added.type, 'added');
    }
  };

  it("counts a user's waiting follow-ups across its sessions and refuses one past the limit", async () => {
    const alice = { userId: 'alice' };
    const first = await store.createSession(alice);
    const second = await store.createSession(alice);
    await addFollowUps(first.id, 1);
    assert.equal(await admits(checkQueuedMessages(store, settings, alice, second.id)), true);
    await addFollowUps(second.id, 1);
    assert.equal(await admits(checkQueuedMessages(store, settings, alice, first.id)), false);
    assert.equal(await admits(checkQueuedMessages(store, settings, alice, second.id)), false);
    const bob = { userId: 'bob' };
    const bobs = await store.createSession(bob);
    assert.equal(await admits(checkQueuedMessages(store, settings, bob, bobs.id)), true);
    const off = { ...settings, maxQueuedMessagesPerUser: 0 };
    assert.equal(await admits(checkQueuedMessages(store, off, alice, first.id)), true);
  });

  it('counts a visitor and a caller without a user per session', async () => {
    const visitor = { userId: visitorUserId(newVisitorKey()) };
    const full = await store.createSession(visitor);
    const other = await store.createSession(visitor);
    await addFollowUps(full.id, 2);
    assert.equal(await admits(checkQueuedMessages(store, settings, visitor, full.id)), false);
    assert.equal(await admits(checkQueuedMessages(store, settings, visitor, other.id)), true);
    const nobody = { userId: null };
    const unowned = await store.createSession(nobody);
    const otherUnowned = await store.createSession(nobody);
    await addFollowUps(unowned.id, 2);
    assert.equal(await admits(checkQueuedMessages(store, settings, nobody, unowned.id)), false);
    assert.equal(await admits(checkQueuedMessages(store, settings, nobody, otherUnowned.id)), true);
  });

  it('scopes a signed-in user by user and everyone else by session', () => {
    assert.deepEqual(limitScope({ userId: 'alice' }, 's1'), { userId: 'alice' });
    assert.deepEqual(limitScope({ userId: null }, 's1'), { sessionId: 's1' });
    assert.deepEqual(limitScope({ userId: visitorUserId(newVisitorKey()) }, 's1'), {
      sessionId: 's1',
    });
  });
});
