import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { textOfChunks } from '../../tests/support/read-sse.ts';
import { waitFor } from '../../tests/support/wait-for.ts';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { pino } from 'pino';
import { createMetrics } from '../metrics.ts';
import { createDemoLanguageModel } from '../model/demo-language-model.ts';
import { MemoryStreamRegistry } from '../registry/memory-stream-registry.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { DiskFileStore } from '../store/disk-file-store.ts';
import { createPgliteSqlClient } from '../store/pglite-sql-client.ts';
import { SqlChatStore } from '../store/sql-chat-store.ts';
import { type RunTurnDependencies, runTurn } from './run-turn.ts';
import { createBuiltInTools } from './tools/built-in-tools.ts';

describe('runTurn and leases', () => {
  let store: ChatStore;
  let registry: MemoryStreamRegistry;
  before(async () => {
    store = await SqlChatStore.open(await createPgliteSqlClient({}));
    registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000 });
  });
  after(async () => {
    await registry.close();
    await store.close();
  });

  const dependencies = (executorId: string, leaseTtlMs = 5_000): RunTurnDependencies => ({
    store,
    registry,
    logger: pino({ level: 'silent' }),
    metrics: createMetrics(),
    model: createDemoLanguageModel({ tokenDelayMs: 2, answerWords: 30, slowSilenceMs: 0 }),
    tools: createBuiltInTools(),
    maxSteps: 3,
    maxToolOutputBytes: 102_400,
    maxOutputTokens: 4096,
    systemPrompt: 'test',
    historyTokens: 100_000,
    titlesByModel: false,
    executorId,
    leaseTtlMs,
    coalesceWindowMs: 0,
    // These turns attach no file: a folder that is never created.
    files: {
      store: new DiskFileStore(join(tmpdir(), `durable-chat-no-files-${randomUUID()}`)),
      inlineBytes: 1024,
      acceptsImages: false,
    },
  });

  async function queuedTurn(turnRegistry = registry, text = 'hi') {
    const session = await store.createSession({ userId: null });
    const job = {
      turnId: randomUUID(),
      sessionId: session.id,
      userId: null,
      userMessageId: randomUUID(),
      assistantMessageId: randomUUID(),
      enqueuedAt: Date.now(),
    };
    await turnRegistry.openTurn(job);
    await store.startTurn({
      sessionId: session.id,
      userMessage: { id: job.userMessageId, role: 'user', parts: [{ type: 'text', text }] },
      turnId: job.turnId,
      assistantMessageId: job.assistantMessageId,
    });
    return job;
  }

  it('runs a turn under its own lease and completes it', async () => {
    const job = await queuedTurn();
    await runTurn(dependencies('executor-a'), job, new AbortController().signal);
    const turn = await registry.getTurn(job.turnId);
    assert.equal(turn?.status, 'completed');
    assert.equal(turn?.leaseOwner, 'executor-a');
  });

  it('does not run a redelivered turn whose lease another live executor holds', async () => {
    const job = await queuedTurn();
    assert.equal(await registry.acquireLease(job.turnId, 'executor-a', 5_000), 'acquired');
    await runTurn(dependencies('executor-b'), job, new AbortController().signal);
    const turn = await registry.getTurn(job.turnId);
    assert.equal(turn?.status, 'running', 'left to its owner');
    assert.equal(turn?.lastPosition, 0, 'executor b appended nothing');
    // Marked running at most (what its owner does anyway): never ended, nothing stored for it.
    assert.ok(['queued', 'running'].includes((await store.getTurn(job.turnId))?.status ?? ''));
    assert.equal((await store.listMessages(job.sessionId)).length, 1);
  });

  it('ends a turn whose cancel came before it started as cancelled, without leasing it or running the model', async () => {
    const base = dependencies('executor-a');
    const model = createDemoLanguageModel({ tokenDelayMs: 2, answerWords: 30, slowSilenceMs: 0 });
    let modelCalls = 0;
    const counted: LanguageModelV4 = {
      ...model,
      doStream: (options) => {
        modelCalls += 1;
        return model.doStream(options);
      },
    };
    const job = await queuedTurn();
    assert.equal(await registry.requestCancel(job.turnId), true);
    await runTurn({ ...base, model: counted }, job, new AbortController().signal);
    const turn = await registry.getTurn(job.turnId);
    assert.equal(turn?.status, 'cancelled');
    assert.equal(turn?.leaseOwner, null);
    assert.equal(modelCalls, 0);
    assert.equal((await store.getTurn(job.turnId))?.status, 'cancelled');
  });

  it('writes the whole answer before waiting for the title model, not after', async () => {
    const base = dependencies('executor-titles');
    const titleAsked = Promise.withResolvers<void>();
    const titleMayAnswer = Promise.withResolvers<void>();
    const model = createDemoLanguageModel({ tokenDelayMs: 2, answerWords: 30, slowSilenceMs: 0 });
    const titling: LanguageModelV4 = {
      ...model,
      doGenerate: async (options) => {
        titleAsked.resolve();
        await titleMayAnswer.promise;
        return model.doGenerate(options);
      },
    };
    const job = await queuedTurn();
    // A window far longer than the test: the answer's tail reaches the log only if it is flushed.
    const run = runTurn(
      { ...base, model: titling, titlesByModel: true, coalesceWindowMs: 60_000 },
      job,
      new AbortController().signal,
    );
    let whileTitling = '';
    try {
      await titleAsked.promise;
      await waitFor(
        async () => {
          const log = await registry.readAll(job.turnId);
          whileTitling = textOfChunks(log.map(({ chunk }) => chunk));
          return log.some(({ chunk }) => chunk.type === 'text-end');
        },
        { message: 'the answer ends in the log while the title is pending' },
      );
      assert.equal((await registry.getTurn(job.turnId))?.status, 'running');
    } finally {
      titleMayAnswer.resolve();
      await run;
    }
    assert.equal((await registry.getTurn(job.turnId))?.status, 'completed');
    const [, answer] = await store.listMessages(job.sessionId);
    const stored = answer?.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
    assert.equal(whileTitling, stored);
    assert.ok(whileTitling.split(' ').length >= 30, whileTitling);
  });

  it('ends a redelivered turn whose executor died as failed, keeping its partial answer, without rerunning the model', async () => {
    const job = await queuedTurn();
    await registry.acquireLease(job.turnId, 'dead-executor', 30);
    await registry.append(job.turnId, [
      { type: 'start', messageId: job.assistantMessageId },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'partial' },
    ]);
    await sleep(60);
    await runTurn(dependencies('executor-b'), job, new AbortController().signal);
    const turn = await registry.getTurn(job.turnId);
    assert.equal(turn?.status, 'failed');
    const log = await registry.readAll(job.turnId);
    assert.deepEqual(
      log.map((entry) => entry.chunk.type),
      ['start', 'text-start', 'text-delta', 'error'],
    );
    const messages = await store.listMessages(job.sessionId);
    assert.equal(messages.at(-1)?.id, job.assistantMessageId);
  });

  it('keeps refreshing the lease of a long turn so it never lapses while the executor lives', async () => {
    // The registry judges leases by a clock the test moves, so a busy machine that delays the
    // refresh timer cannot make the lease lapse: only a missing refresh can.
    let now = 1_000_000;
    const clockedRegistry = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000, now: () => now });
    let refreshes = 0;
    const refreshLease = clockedRegistry.refreshLease.bind(clockedRegistry);
    clockedRegistry.refreshLease = async (...parameters) => {
      const kept = await refreshLease(...parameters);
      refreshes += 1;
      return kept;
    };
    const job = await queuedTurn(clockedRegistry, '[demo:slow] a long answer');
    const deps = {
      ...dependencies('executor-a', 120),
      registry: clockedRegistry,
      model: createDemoLanguageModel({ tokenDelayMs: 5, answerWords: 80, slowSilenceMs: 60_000 }),
    };
    const stop = new AbortController();
    const running = runTurn(deps, job, stop.signal);
    try {
      const refreshed = async () => {
        const seen = refreshes;
        await waitFor(() => refreshes > seen);
      };
      await refreshed();
      now += 100;
      await refreshed();
      now += 100;
      // 200 ms after the lease was taken with a 120 ms TTL: only a refresh keeps it alive.
      assert.equal(await clockedRegistry.acquireLease(job.turnId, 'executor-b', 120), 'held');
    } finally {
      stop.abort('cancelled');
      await running;
    }
    assert.equal((await clockedRegistry.getTurn(job.turnId))?.status, 'cancelled');
    await clockedRegistry.close();
  });
});
