import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { createMetrics } from '../metrics.ts';
import { MemoryStreamRegistry } from '../registry/memory-stream-registry.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { createPgliteSqlClient } from '../store/pglite-sql-client.ts';
import { SqlChatStore } from '../store/sql-chat-store.ts';
import { turnOutcomes } from '../turn/turn-outcomes.ts';
import { type Sweeper, type SweeperOptions, startSweeper } from './sweeper.ts';

describe('the sweeper', () => {
  let store: ChatStore;
  let registry: MemoryStreamRegistry;
  const sweepers: Sweeper[] = [];
  // Leases and deadlines follow this clock, shared by the registry and the sweepers, so a slow
  // machine cannot make a live lease lapse between two lines of a test.
  // It never runs behind real time, which the store's row timestamps follow.
  let clockMs = Date.now();
  const now = () => clockMs;
  const advanceClock = (ms: number) => {
    clockMs = Math.max(clockMs, Date.now()) + ms;
  };
  before(async () => {
    store = await SqlChatStore.open(await createPgliteSqlClient({}));
    registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000, now });
  });
  after(async () => {
    for (const sweeper of sweepers) await sweeper.stop();
    await registry.close();
    await store.close();
  });

  const dependencies = () => ({
    store,
    registry,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(),
  });
  const options = (overrides: Partial<SweeperOptions> = {}): SweeperOptions => ({
    // One owner across tests: the sweep lock would otherwise keep later sweepers out.
    ownerId: 'sweeper-under-test',
    intervalMs: 60_000,
    leaseGraceMs: 20,
    unleasedTurnTimeoutMs: 150,
    closingGraceMs: 100,
    storeGraceMs: 100,
    now,
    ...overrides,
  });
  const newSweeper = (overrides: Partial<SweeperOptions> = {}) => {
    const sweeper = startSweeper(dependencies(), options(overrides));
    sweepers.push(sweeper);
    return sweeper;
  };

  /** A turn as the API opens it: in the registry and, with its user message, in the store. */
  async function openTurn(text = 'hello', enqueueTimeoutMs?: number) {
    const session = await store.createSession({ userId: null });
    const turnId = randomUUID();
    const assistantMessageId = randomUUID();
    const userMessage = {
      id: randomUUID(),
      role: 'user' as const,
      parts: [{ type: 'text' as const, text }],
    };
    const opened = await registry.openTurn({
      turnId,
      sessionId: session.id,
      userId: null,
      userMessageId: userMessage.id,
      assistantMessageId,
      ...(enqueueTimeoutMs === undefined ? {} : { enqueueTimeoutMs }),
    });
    assert.ok(opened.opened);
    await store.startTurn({ sessionId: session.id, userMessage, turnId, assistantMessageId });
    return { sessionId: session.id, turnId, assistantMessageId };
  }

  const partialAnswer = [
    { type: 'start' as const, messageId: 'ignored' },
    { type: 'text-start' as const, id: 't' },
    { type: 'text-delta' as const, id: 't', delta: 'half an ans' },
  ];

  it('ends a running turn whose executor died (lapsed lease) as failed, keeping the partial answer', async () => {
    const turn = await openTurn();
    assert.equal(await registry.acquireLease(turn.turnId, 'dead-executor', 50), 'acquired');
    await store.markTurnRunning(turn.turnId);
    await registry.append(turn.turnId, partialAnswer);
    const reading = (async () => {
      const events = [];
      for await (const event of registry.read(turn.turnId, { after: 0 })) events.push(event);
      return events;
    })();
    const sweeper = newSweeper();
    assert.deepEqual((await sweeper.sweepOnce()).ended, [], 'a live lease is left alone');
    advanceClock(100);
    assert.deepEqual((await sweeper.sweepOnce()).ended, [turn.turnId]);
    const events = await reading;
    const last = events.at(-1);
    assert.ok(last?.type === 'end' && last.status === 'failed', 'one failed terminal event');
    assert.ok(events.some((event) => event.type === 'chunk' && event.chunk.type === 'error'));
    assert.equal((await store.getTurn(turn.turnId))?.status, 'failed');
    const messages = await store.listMessages(turn.sessionId);
    assert.equal(messages.at(-1)?.id, turn.assistantMessageId);
    assert.deepEqual(
      messages.at(-1)?.parts.map((part) => (part.type === 'text' ? part.text : part.type)),
      ['half an ans'],
    );
    assert.equal(await registry.getActiveTurn(turn.sessionId), null);
  });

  it('ends a turn that no executor took within the timeout, and leaves a fresh one alone', async () => {
    const stale = await openTurn();
    advanceClock(200);
    const fresh = await openTurn();
    const { ended } = await newSweeper().sweepOnce();
    assert.ok(ended.includes(stale.turnId));
    assert.ok(!ended.includes(fresh.turnId));
    assert.equal((await registry.getTurn(stale.turnId))?.status, 'failed');
    assert.equal((await registry.getTurn(fresh.turnId))?.status, 'running');
  });

  it('finishes a turn whose closer died between its claim and its terminal event', async () => {
    const turn = await openTurn();
    await registry.append(turn.turnId, partialAnswer);
    assert.equal(await registry.claimClose(turn.turnId, 'cancelled'), true);
    const sweeper = newSweeper();
    assert.ok(!(await sweeper.sweepOnce()).ended.includes(turn.turnId), 'within the grace period');
    advanceClock(150);
    assert.ok((await sweeper.sweepOnce()).ended.includes(turn.turnId));
    const record = await registry.getTurn(turn.turnId);
    assert.equal(record?.status, 'cancelled');
    const log = await registry.readAll(turn.turnId);
    assert.equal(log.at(-1)?.chunk.type, 'abort');
    assert.equal((await store.getTurn(turn.turnId))?.status, 'cancelled');
  });

  it('fails a stored turn whose registry state vanished (e.g. a flushed Redis)', async () => {
    const session = await store.createSession({ userId: null });
    const turnId = randomUUID();
    await store.startTurn({
      sessionId: session.id,
      userMessage: { id: randomUUID(), role: 'user', parts: [{ type: 'text', text: 'lost' }] },
      turnId,
      assistantMessageId: randomUUID(),
    });
    advanceClock(150);
    assert.ok((await newSweeper().sweepOnce()).ended.includes(turnId));
    const stored = await store.getTurn(turnId);
    assert.equal(stored?.status, 'failed');
    assert.match(stored?.error ?? '', /lost/);
  });

  it('lets only one of several sweepers act in a round', async () => {
    const shared = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000 });
    const contenders = ['a', 'b', 'c'].map((owner) =>
      startSweeper({ ...dependencies(), registry: shared }, options({ ownerId: owner })),
    );
    try {
      const reports = await Promise.all(contenders.map((sweeper) => sweeper.sweepOnce()));
      assert.equal(reports.filter((report) => report.acted).length, 1);
    } finally {
      for (const sweeper of contenders) await sweeper.stop();
      await shared.close();
    }
  });

  it('sweeps on its own timer, without anyone asking', async () => {
    const turn = await openTurn();
    await registry.acquireLease(turn.turnId, 'dead-executor', 30);
    advanceClock(100);
    const sweeper = startSweeper(dependencies(), options({ intervalMs: 50 }));
    sweepers.push(sweeper);
    const deadline = Date.now() + 3000;
    while ((await registry.getTurn(turn.turnId))?.status === 'running' && Date.now() < deadline) {
      await sleep(20);
    }
    assert.equal((await registry.getTurn(turn.turnId))?.status, 'failed');
  });

  it('ends a turn its creator never confirmed queued within seconds, undoing its stored message', async () => {
    const abandoned = await openTurn('lost', 1_000);
    const confirmed = await openTurn('queued', 1_000);
    assert.equal(await registry.confirmTurn(confirmed.turnId), true);
    const leased = await openTurn('taken', 1_000);
    await registry.acquireLease(leased.turnId, 'live-executor', 600_000);
    const sweeper = newSweeper({ unleasedTurnTimeoutMs: 600_000 });
    assert.ok(!(await sweeper.sweepOnce()).ended.includes(abandoned.turnId), 'before its deadline');
    advanceClock(1_000);
    const { ended } = await sweeper.sweepOnce();
    assert.ok(ended.includes(abandoned.turnId));
    assert.ok(!ended.includes(confirmed.turnId), 'a confirmed turn waits for an executor');
    assert.ok(!ended.includes(leased.turnId), 'a leased turn was queued: its executor runs it');
    assert.equal((await registry.getTurn(abandoned.turnId))?.status, 'failed');
    assert.equal(await registry.getActiveTurn(abandoned.sessionId), null, 'the session is free');
    assert.equal(await store.getTurn(abandoned.turnId), null, 'the never-queued turn is undone');
    assert.deepEqual(await store.listMessages(abandoned.sessionId), []);
  });

  it('with no executor for the timeout, ends every turn none leased and says why', async () => {
    let unavailableSince: number | null = null;
    const availability = { unavailableSince: async () => unavailableSince };
    const waiting = await openTurn('waiting');
    const leased = await openTurn('leased');
    await registry.acquireLease(leased.turnId, 'executor-that-stopped', 600_000);
    const sweeper = newSweeper({
      unleasedTurnTimeoutMs: 600_000,
      noExecutor: { availability, timeoutMs: 2_000 },
    });
    assert.ok(!(await sweeper.sweepOnce()).ended.includes(waiting.turnId), 'executors are there');
    unavailableSince = now();
    advanceClock(1_000);
    assert.ok(!(await sweeper.sweepOnce()).ended.includes(waiting.turnId), 'gone for too short');
    advanceClock(1_000);
    const { ended } = await sweeper.sweepOnce();
    assert.ok(ended.includes(waiting.turnId));
    assert.ok(!ended.includes(leased.turnId), 'a live lease is its executor’s to end');
    const log = await registry.readAll(waiting.turnId);
    const error = log.find((entry) => entry.chunk.type === 'error')?.chunk;
    assert.deepEqual(error, { type: 'error', errorText: turnOutcomes.noExecutor.publicErrorText });
    const answer = (await store.listMessages(waiting.sessionId)).at(-1);
    assert.equal(answer?.id, waiting.assistantMessageId);
    assert.deepEqual(answer?.metadata, {
      status: 'failed',
      errorText: turnOutcomes.noExecutor.publicErrorText,
    });
    assert.equal((await store.getTurn(waiting.turnId))?.status, 'failed');
  });

  it('starts the follow-ups left waiting in a session where no turn runs, not those of a running turn', async () => {
    const followUp = (text: string) => ({
      id: randomUUID(),
      role: 'user' as const,
      parts: [{ type: 'text' as const, text }],
    });
    const orphaned = await store.createSession({ userId: null });
    await store.addPendingMessage({
      sessionId: orphaned.id,
      message: followUp('left waiting'),
      mode: 'steer',
    });
    // A turn still runs here: its own end starts its follow-ups.
    const busy = await openTurn('still answering');
    await store.addPendingMessage({
      sessionId: busy.sessionId,
      message: followUp('for the running turn'),
      mode: 'steer',
    });
    const started: string[] = [];
    const sweeper = startSweeper(
      {
        ...dependencies(),
        afterTurnEnded: async (sessionId) => {
          started.push(sessionId);
        },
      },
      options({
        leaseGraceMs: 60_000,
        unleasedTurnTimeoutMs: 60_000,
        // Ahead of the store's clock, so both follow-ups are past the grace period; the shared
        // clock stays where the other tests left it.
        now: () => clockMs + 10_000,
      }),
    );
    sweepers.push(sweeper);
    assert.equal((await sweeper.sweepOnce()).acted, true);
    assert.deepEqual(started, [orphaned.id]);
  });
});
