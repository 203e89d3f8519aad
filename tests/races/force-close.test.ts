import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UIMessageChunk } from 'ai';
import type { Consumer, TurnJob } from '../../src/queue/turn-queue.ts';
import { readSse } from '../support/read-sse.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createSession } from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  checkSettledTurn,
  checkTurnStream,
  postCancel,
  postMessage,
  randomDelay,
  runLanes,
  textOfMessage,
} from './race-support.ts';

const iterations = 200;
/** Cancels of unconsumed turns are quick; hung ones each wait out the deadline, so more lanes. */
const quickLanes = 10;
const hungLanes = 40;
const cancelForceCloseMs = 1500;
/** Scheduling slack on top of the deadline; generous so a loaded CI machine does not flake. */
const slackMs = 1000;

describe('cancelling a turn whose worker cannot confirm the cancel', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(
      { CANCEL_FORCE_CLOSE_MS: String(cancelForceCloseMs), TURN_CONCURRENCY: '1000' },
      { startWorker: false },
    );
  });
  after(() => server.close());

  /**
   * POSTs a message, waits until its turn is in `state` (active in the registry, or marked
   * running by a worker), cancels after a random delay, and checks what every reader and the
   * store end with. Returns the cancel's duration for the caller's timing assertions.
   */
  async function cancelOnce(index: number, prefix: string, state: 'active' | 'running') {
    const { store, registry } = server.runtime.api;
    const sessionId = await createSession(server.baseUrl);
    const cancelDelayMs = randomDelay(5);
    const label = `${prefix} iteration ${index} (session ${sessionId}, cancel after ${cancelDelayMs} ms)`;
    const posting = postMessage(server.baseUrl, sessionId, {
      id: `m-${prefix}-${index}`,
      text: `stuck ${index}`,
    });
    await waitFor(
      async () => {
        const active = await registry.getActiveTurn(sessionId);
        if (active === null) return false;
        return state === 'active' || (await store.getTurn(active.turnId))?.status === 'running';
      },
      { intervalMs: 1, message: `${label}: the turn never became ${state}` },
    );
    const attached = Promise.withResolvers<void>();
    const watcher = readSse(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
      onResponse: () => attached.resolve(),
    });
    await Promise.race([attached.promise, watcher]);
    await sleep(cancelDelayMs);
    const startedAt = performance.now();
    const cancel = await postCancel(server.baseUrl, sessionId);
    const cancelMs = performance.now() - startedAt;
    const detail = `${label}: cancel answered ${JSON.stringify(cancel.body)} after ${cancelMs.toFixed(0)} ms`;
    assert.deepEqual(cancel, { status: 200, body: { cancelled: true } }, detail);
    const stream = checkTurnStream(await posting, `${detail}, POST reader`);
    const watched = checkTurnStream(await watcher, `${detail}, GET reader`);
    assert.equal(stream.status, 'cancelled', detail);
    assert.equal(stream.terminal.type, 'abort', detail);
    assert.deepEqual(watched.chunks, stream.chunks, `${detail}: both readers saw the same end`);
    await checkSettledTurn(server, sessionId, stream, detail);
    return { sessionId, stream, detail, cancelMs };
  }

  it('ends a turn that no worker has taken as cancelled at once, without waiting for a force-close', async () => {
    await runLanes(iterations, quickLanes, async (index) => {
      const { stream, detail, cancelMs } = await cancelOnce(index, 'unconsumed', 'active');
      assert.ok(cancelMs < cancelForceCloseMs, `${detail}: waited for the force-close`);
      assert.deepEqual(
        stream.chunks.map((chunk) => chunk.type),
        ['start', 'abort'],
        detail,
      );
      assert.equal((await server.runtime.api.store.getTurn(stream.turnId))?.startedAt, null);
    });
  });

  it('force-closes a turn whose worker hangs mid-answer within CANCEL_FORCE_CLOSE_MS, keeping the partial answer and refusing the late worker', async () => {
    const { store, registry } = server.runtime.api;
    // A stand-in executor that takes each job as the real one does (marks the turn running),
    // streams part of an answer and then hangs (a blocking tool, a stalled upstream read)
    // without ever looking at cancels. The real executor honours aborts, so it cannot hang.
    const release = Promise.withResolvers<void>();
    const lateAppends = new Map<string, number | null>();
    const hungTurns = new Set<string>();
    const stuck: Consumer = await server.runtime.executor.queue.consume(
      async (job: TurnJob) => {
        // Jobs of turns that already ended (the previous test's) are skipped, as runTurn does.
        if ((await registry.getTurn(job.turnId))?.status !== 'running') return;
        await store.markTurnRunning(job.turnId);
        const partial: UIMessageChunk[] = [
          { type: 'start', messageId: job.assistantMessageId },
          { type: 'start-step' },
          { type: 'text-start', id: 'text-0' },
          { type: 'text-delta', id: 'text-0', delta: `partial answer to ${job.userMessageId} ` },
        ];
        for (const chunk of partial) await registry.append(job.turnId, [chunk]);
        hungTurns.add(job.turnId);
        await release.promise;
        lateAppends.set(
          job.turnId,
          await registry.append(job.turnId, [{ type: 'text-delta', id: 'text-0', delta: 'late' }]),
        );
      },
      { concurrency: 1000 },
    );
    let outcome: unknown;
    try {
      await runLanes(iterations, hungLanes, async (index) => {
        const { sessionId, stream, detail, cancelMs } = await cancelOnce(index, 'hung', 'running');
        assert.ok(cancelMs >= cancelForceCloseMs - 5, `${detail}: ended before the deadline`);
        assert.ok(cancelMs <= cancelForceCloseMs + slackMs, `${detail}: force-close was late`);
        assert.ok(hungTurns.has(stream.turnId), `${detail}: the stuck worker never took it`);
        const persisted = (await store.listMessages(sessionId)).at(-1);
        assert.equal(textOfMessage(persisted), `partial answer to m-hung-${index} `, detail);
      });
    } catch (error) {
      outcome = error;
    }
    release.resolve();
    await stuck.stop();
    if (outcome !== undefined) throw outcome;
    assert.equal(lateAppends.size, hungTurns.size);
    for (const [turnId, position] of lateAppends)
      assert.equal(position, null, `turn ${turnId}: a chunk was appended after the force-close`);
  });
});
