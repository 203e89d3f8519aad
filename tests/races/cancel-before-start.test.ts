import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SseReadResult } from '../support/read-sse.ts';
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
} from './race-support.ts';

const iterations = 200;
const lanes = 4;
const cancelForceCloseMs = 2000;
/** "Promptly": a cancel that waited for the force-close deadline did not honour the queued turn. */
const promptCancelMs = cancelForceCloseMs / 2;

describe('a cancel of a turn that is still queued', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      TURN_CONCURRENCY: '1',
      CANCEL_FORCE_CLOSE_MS: String(cancelForceCloseMs),
      DEMO_TOKEN_DELAY_MS: '1',
      DEMO_SLOW_SILENCE_MS: '60000',
    });
  });
  after(() => server.close());

  it('ends it cancelled at once, and the model never runs for it', async (context) => {
    const { store, registry } = server.runtime.api;
    // The only worker slot is taken by a turn that stays silent for a minute.
    const blockerSession = await createSession(server.baseUrl);
    const blocker = postMessage(server.baseUrl, blockerSession, {
      id: 'm-blocker',
      text: 'occupy the worker [demo:slow]',
    });
    let blockerTurnId: string | undefined;
    await waitFor(async () => {
      blockerTurnId = (await registry.getActiveTurn(blockerSession))?.turnId;
      return (
        blockerTurnId !== undefined && (await store.getTurn(blockerTurnId))?.status === 'running'
      );
    });

    const sessions = await Promise.all(
      Array.from({ length: lanes }, () => createSession(server.baseUrl)),
    );
    const cancelledTurnIds: string[] = [];
    const cancelDurations: number[] = [];
    let outcome: unknown;
    try {
      await runLanes(iterations, lanes, async (index, lane) => {
        const sessionId = sessions[lane] as string;
        const cancelDelayMs = randomDelay(3);
        const label = `iteration ${index} (session ${sessionId}, cancel ${cancelDelayMs} ms after queueing)`;
        const posting = postMessage(server.baseUrl, sessionId, {
          id: `m-${index}`,
          text: `queued ${index} [demo:words=5]`,
        });
        await waitFor(async () => (await registry.getActiveTurn(sessionId)) !== null, {
          intervalMs: 1,
          message: `${label}: the turn never opened`,
        });
        await sleep(cancelDelayMs);
        const startedAt = performance.now();
        const cancel = await postCancel(server.baseUrl, sessionId);
        const cancelMs = performance.now() - startedAt;
        cancelDurations.push(cancelMs);
        const received: SseReadResult = await posting;
        const stream = checkTurnStream(received, label);
        const detail = `${label}: cancel answered ${JSON.stringify(cancel.body)} after ${cancelMs.toFixed(0)} ms`;
        assert.deepEqual(cancel, { status: 200, body: { cancelled: true } }, detail);
        assert.equal(stream.status, 'cancelled', detail);
        assert.deepEqual(
          stream.chunks.map((chunk) => chunk.type),
          ['start', 'abort'],
          `${detail}: a turn cancelled in the queue streams only its start (naming the stored answer, checked below) and its abort`,
        );
        await checkSettledTurn(server, sessionId, stream, detail);
        cancelledTurnIds.push(stream.turnId);
        assert.ok(
          cancelMs < promptCancelMs,
          `${detail}: the cancel of a queued turn waited for the force-close (CANCEL_FORCE_CLOSE_MS=${cancelForceCloseMs})`,
        );
      });
    } catch (error) {
      outcome = error;
    }

    // Free the worker: the queued jobs of the cancelled turns now reach it and must not run.
    await postCancel(server.baseUrl, blockerSession);
    assert.equal(checkTurnStream(await blocker, 'blocker').status, 'cancelled');
    const after = await createSession(server.baseUrl);
    const last = checkTurnStream(
      await postMessage(server.baseUrl, after, { id: 'm-after', text: 'after [demo:words=3]' }),
      'the turn queued after all cancelled ones',
    );
    assert.equal(last.status, 'completed');
    for (const turnId of cancelledTurnIds) {
      const storedTurn = await store.getTurn(turnId);
      assert.equal(storedTurn?.status, 'cancelled', `turn ${turnId}`);
      assert.equal(storedTurn?.startedAt, null, `turn ${turnId} was started after its cancel`);
      const log = await registry.readAll(turnId);
      assert.deepEqual(
        log.map(({ chunk }) => chunk.type),
        ['start', 'abort'],
        `turn ${turnId}: the model ran after the cancel`,
      );
    }
    const slowest = Math.max(...cancelDurations);
    context.diagnostic(`${cancelDurations.length} cancels, slowest ${slowest.toFixed(0)} ms`);
    if (outcome !== undefined) throw outcome;
  });
});
