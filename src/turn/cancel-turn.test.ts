import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createMetrics } from '../metrics.ts';
import { InProcessTurnQueue } from '../queue/in-process-turn-queue.ts';
import { MemoryStreamRegistry } from '../registry/memory-stream-registry.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { createPgliteSqlClient } from '../store/pglite-sql-client.ts';
import { SqlChatStore } from '../store/sql-chat-store.ts';
import { cancelSessionTurn, type CancelTurnDependencies } from './cancel-turn.ts';
import { endTurn } from './end-turn.ts';
import { turnOutcomes } from './turn-outcomes.ts';

describe('cancelling a turn', () => {
  let store: ChatStore;
  let registry: MemoryStreamRegistry;
  let queue: InProcessTurnQueue;
  before(async () => {
    store = await SqlChatStore.open(await createPgliteSqlClient({}));
    registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000 });
    queue = new InProcessTurnQueue();
  });
  after(async () => {
    await queue.close();
    await registry.close();
    await store.close();
  });

  const dependencies = (cancelForceCloseMs: number): CancelTurnDependencies => ({
    store,
    registry,
    queue,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(),
    cancelForceCloseMs,
  });

  /** A turn as the API opens it; `running` as once a worker has taken it. */
  async function openTurn(options: { running: boolean }) {
    const session = await store.createSession({ userId: null });
    const turnId = randomUUID();
    const assistantMessageId = randomUUID();
    const userMessage = {
      id: randomUUID(),
      role: 'user' as const,
      parts: [{ type: 'text' as const, text: 'hello' }],
    };
    const opened = await registry.openTurn({
      turnId,
      sessionId: session.id,
      userId: null,
      userMessageId: userMessage.id,
      assistantMessageId,
    });
    assert.ok(opened.opened);
    await store.startTurn({ sessionId: session.id, userMessage, turnId, assistantMessageId });
    if (options.running) await store.markTurnRunning(turnId);
    await registry.append(turnId, [
      { type: 'start', messageId: assistantMessageId },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'half an ans' },
    ]);
    return { sessionId: session.id, turnId, assistantMessageId };
  }

  /** What a worker does when the cancel reaches it: ends the turn itself, as stopped. */
  function workerStopping(turn: { turnId: string; sessionId: string; assistantMessageId: string }) {
    const stopped = Promise.withResolvers<boolean>();
    const unsubscribe = queue.onCancel((turnId) => {
      if (turnId !== turn.turnId) return;
      unsubscribe();
      stopped.resolve(endTurn(dependencies(0), turn, turnOutcomes.cancelled));
    });
    return stopped.promise;
  }

  async function storedAnswer(sessionId: string) {
    const messages = await store.listMessages(sessionId);
    const answer = messages.at(-1);
    return {
      text: answer?.parts.map((part) => (part.type === 'text' ? part.text : part.type)),
      metadata: answer?.metadata,
    };
  }

  it('answers false when the session has no active turn', async () => {
    const session = await store.createSession({ userId: null });
    assert.equal(await cancelSessionTurn(dependencies(60_000), session.id), false);
  });

  it(
    'ends a running turn once its worker stops it, without waiting for the force-close',
    { timeout: 5_000 },
    async () => {
      const turn = await openTurn({ running: true });
      const stopped = workerStopping(turn);
      assert.equal(await cancelSessionTurn(dependencies(60_000), turn.sessionId), true);
      assert.equal(await stopped, true, 'the worker, not the canceller, ended the turn');
      assert.equal((await registry.getTurn(turn.turnId))?.status, 'cancelled');
      assert.equal((await store.getTurn(turn.turnId))?.status, 'cancelled');
      assert.equal(await registry.getActiveTurn(turn.sessionId), null, 'the session is free');
    },
  );

  it('force-closes a running turn whose worker does not stop in time, keeping the partial answer', async () => {
    const turn = await openTurn({ running: true });
    assert.equal(await cancelSessionTurn(dependencies(20), turn.sessionId), true);
    const record = await registry.getTurn(turn.turnId);
    assert.equal(record?.status, 'cancelled');
    assert.equal(record?.cancelRequested, true, 'a worker that takes it later sees the cancel');
    assert.equal((await store.getTurn(turn.turnId))?.status, 'cancelled');
    assert.deepEqual(await storedAnswer(turn.sessionId), {
      text: ['half an ans'],
      metadata: { status: 'cancelled' },
    });
  });

  it('ends a queued turn at once: no worker has it to stop it', { timeout: 5_000 }, async () => {
    const turn = await openTurn({ running: false });
    const broadcast: string[] = [];
    const unsubscribe = queue.onCancel((turnId) => broadcast.push(turnId));
    try {
      // A force-close window far longer than the test's timeout: the turn must end without it.
      assert.equal(await cancelSessionTurn(dependencies(600_000), turn.sessionId), true);
    } finally {
      unsubscribe();
    }
    assert.deepEqual(broadcast, [turn.turnId], 'a worker that took it meanwhile is told');
    assert.equal((await registry.getTurn(turn.turnId))?.status, 'cancelled');
    assert.equal((await store.getTurn(turn.turnId))?.status, 'cancelled');
  });

  it('with no force-close window ends a running turn at once (deleting its session)', async () => {
    const turn = await openTurn({ running: true });
    assert.equal(await cancelSessionTurn(dependencies(0), turn.sessionId), true);
    assert.equal((await registry.getTurn(turn.turnId))?.status, 'cancelled');
    assert.equal((await store.getTurn(turn.turnId))?.status, 'cancelled');
  });
});
