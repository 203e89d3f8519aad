import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { turnOutcomes } from '../../src/turn/turn-outcomes.ts';
import { createRandom, randomInteger } from '../../src/registry/registry-contract-support.ts';
import { checkTurnStream } from '../races/race-support.ts';
import {
  type Cluster,
  type ClusterProcess,
  killProcess,
  startCluster,
} from '../support/cluster.ts';
import { readSse } from '../support/read-sse.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  ClusterProbe,
  createSession,
  errorCode,
  getSession,
  postTurn,
  type TurnReader,
  waitForText,
} from './cluster-fault-support.ts';

const sweepIntervalMs = 300;
const leaseTtlMs = 1_500;
const enqueueTimeoutMs = 1_000;
const noExecutorTimeoutMs = 1_500;

/** POSTs a message and reads the whole answer; the message id is the caller's, for retries. */
async function ask(
  apiUrl: string,
  sessionId: string,
  text: string,
  messageId: string = randomUUID(),
  timeoutMs = 10_000,
) {
  const result = await readSse(`${apiUrl}/api/chat/sessions/${sessionId}/stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message: text, message_id: messageId }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return result;
}

/** Asserts a real, completed answer with some text (not a failure, not heartbeats until a timeout). */
function assertAnswered(result: Awaited<ReturnType<typeof ask>>, label: string): void {
  assert.ok(!result.aborted, `${label}: no answer within 10 s (only heartbeats?)`);
  const stream = checkTurnStream(result, label);
  assert.equal(stream.status, 'completed', `${label}: ${JSON.stringify(stream.terminal)}`);
  assert.ok(stream.text.trim().length > 0, `${label}: an empty answer`);
}

describe('crash window: an API process SIGKILLed during a burst of POSTs', () => {
  let cluster: Cluster;
  let probe: ClusterProbe;
  before(async () => {
    cluster = await startCluster({
      apis: 0,
      executors: 1,
      environment: {
        DEMO_ANSWER_WORDS: '6',
        DEMO_TOKEN_DELAY_MS: '2',
        TURN_CONCURRENCY: '50',
        LEASE_TTL_MS: String(leaseTtlMs),
        SWEEP_INTERVAL_MS: String(sweepIntervalMs),
        ENQUEUE_TIMEOUT_MS: String(enqueueTimeoutMs),
        // Far beyond the test: only the enqueue deadline may free a session here.
        UNLEASED_TURN_TIMEOUT_MS: '600000',
      },
    });
    probe = await ClusterProbe.open(cluster);
  });
  after(async () => {
    await probe?.close();
    await cluster?.close();
  });

  it('every session accepts a new message within seconds, and a retried message gets a real answer', async (context) => {
    const seed = Date.now() % 100_000;
    const random = createRandom(seed);
    context.diagnostic(`seed ${seed}`);
    const sent: { sessionId: string; messageId: string; text: string }[] = [];
    let stranded = 0;
    let api: ClusterProcess = await cluster.addApi();
    const iterations = 8;
    for (let iteration = 0; iteration < iterations; iteration += 1) {
      const sessions = await Promise.all(Array.from({ length: 8 }, () => createSession(api.url)));
      const burst = sessions.map((sessionId, index) => {
        const message = {
          sessionId,
          messageId: randomUUID(),
          text: `burst ${iteration}.${index} [demo:words=5]`,
        };
        sent.push(message);
        // The answer is not awaited: the process dies under it.
        void ask(api.url, sessionId, message.text, message.messageId).catch(() => undefined);
        return message;
      });
      // A random moment while the burst is in flight: once a random number of its turns are open.
      const openTurns = randomInteger(random, 1, sessions.length);
      await waitFor(async () => (await probe.activeTurns()).length >= openTurns, {
        timeoutMs: 2_000,
        intervalMs: 1,
      }).catch(() => undefined);
      await sleep(randomInteger(random, 0, 5));
      await killProcess(api);
      const turns = await probe.activeTurns();
      // Opened, never confirmed stored and queued, never leased: what the dead process stranded.
      stranded += turns.filter(
        (turn) => turn.status === 'running' && !turn.leaseOwner && turn.enqueueDeadline,
      ).length;
      assert.equal(burst.length, sessions.length);
      api = await cluster.addApi();
    }
    context.diagnostic(`turns stranded by the kills: ${stranded}`);
    // A retry within the deadline would re-attach to the dead turn, as it must while its creator
    // may still be alive: wait the deadline out since the last kill (the restart took part of it).
    await sleep(enqueueTimeoutMs);
    const startedAt = Date.now();
    await Promise.all(
      sent.map(async ({ sessionId, messageId, text }) => {
        const retried = await ask(api.url, sessionId, text, messageId);
        assertAnswered(retried, `retry of ${text}`);
        const next = await ask(api.url, sessionId, `after ${text}`);
        assertAnswered(next, `a new message after ${text}`);
        const session = await getSession(api.url, sessionId);
        assert.equal(session.active_stream, null);
        const sentIds = session.messages.filter((message) => message.id === messageId);
        assert.equal(sentIds.length, 1, `${text} is stored once`);
        assert.deepEqual(
          session.messages.map((message) => message.role),
          ['user', 'assistant', 'user', 'assistant'],
          `${text}: each message answered once`,
        );
      }),
    );
    const tookMs = Date.now() - startedAt;
    assert.ok(tookMs < 15_000, `retries and new messages took ${tookMs} ms`);
    assert.ok(stranded > 0, 'no kill landed inside the window (the test tested nothing)');
  });
});

describe('crash window: the only executor is down', () => {
  let cluster: Cluster;
  let probe: ClusterProbe;
  before(async () => {
    cluster = await startCluster({
      apis: 2,
      executors: 1,
      environment: {
        DEMO_ANSWER_WORDS: '3000',
        DEMO_TOKEN_DELAY_MS: '3',
        // One turn at a time: the rest of the turns wait in the queue, leased by nobody.
        TURN_CONCURRENCY: '1',
        LEASE_TTL_MS: String(leaseTtlMs),
        SWEEP_INTERVAL_MS: String(sweepIntervalMs),
        NO_EXECUTOR_TIMEOUT_MS: String(noExecutorTimeoutMs),
        UNLEASED_TURN_TIMEOUT_MS: '600000',
      },
    });
    probe = await ClusterProbe.open(cluster);
  });
  after(async () => {
    await probe?.close();
    await cluster?.close();
  });

  const apiUrl = (index: number) => cluster.apis[index]?.url ?? '';

  it('ends started turns within the bound saying why, answers 503 to new ones, stays readable, and recovers', async () => {
    const runningSessionId = await createSession(apiUrl(0));
    const runningReader = postTurn(apiUrl(0), runningSessionId, 'a long story');
    await waitForText(runningReader, 10);
    const waiting: { sessionId: string; turnId: string; reader: TurnReader }[] = [];
    for (let index = 0; index < 3; index += 1) {
      const sessionId = await createSession(apiUrl(index % 2));
      const reader = postTurn(apiUrl(index % 2), sessionId, `waiting ${index}`);
      let turnId = '';
      await waitFor(
        async () => {
          turnId = (await getSession(apiUrl(0), sessionId)).active_stream?.turn_id ?? '';
          return turnId !== '';
        },
        { message: 'the waiting turn started' },
      );
      waiting.push({ sessionId, turnId, reader });
    }
    const [executor] = cluster.executors;
    assert.ok(executor);
    const killedAt = Date.now();
    await killProcess(executor);

    // New messages: a clear 503 as soon as the API has noticed (it checks at most once a second).
    // A message accepted before that waits for nobody: each attempt uses a session of its own.
    await waitFor(
      async () => {
        const sessionId = await createSession(apiUrl(1));
        const result = await ask(apiUrl(1), sessionId, 'anyone there?', randomUUID(), 300);
        return errorCode(result) === 'NO_EXECUTOR_AVAILABLE';
      },
      { timeoutMs: 3_000, intervalMs: 100, message: '503 NO_EXECUTOR_AVAILABLE' },
    );
    // The other API process notices on its own clock (its cache may be up to a second behind).
    await waitFor(
      async () => {
        const sessionId = await createSession(apiUrl(1));
        const refused = await ask(apiUrl(0), sessionId, 'anyone there?', randomUUID(), 300);
        return refused.status === 503 && errorCode(refused) === 'NO_EXECUTOR_AVAILABLE';
      },
      { timeoutMs: 3_000, intervalMs: 100, message: '503 NO_EXECUTOR_AVAILABLE from API 0 too' },
    );

    // Every started turn ends within the bound, with the reason in the stream and the answer.
    const bound = noExecutorTimeoutMs + 1_000 /* the availability cache */ + 2_000; /* slack */
    await waitFor(
      () => [runningReader, ...waiting.map(({ reader }) => reader)].every((r) => r.doneAt()),
      { timeoutMs: bound, intervalMs: 50, message: 'every started turn ended' },
    );
    for (const { sessionId, reader } of waiting) {
      const stream = checkTurnStream(await reader.result, `waiting turn of ${sessionId}`);
      assert.equal(stream.status, 'failed');
      assert.deepEqual(stream.terminal, {
        type: 'error',
        errorText: turnOutcomes.noExecutor.publicErrorText,
      });
      const session = await getSession(apiUrl(0), sessionId);
      assert.equal(session.active_stream, null);
      assert.deepEqual(session.messages.at(-1)?.metadata, {
        status: 'failed',
        errorText: turnOutcomes.noExecutor.publicErrorText,
      });
    }
    const runningStream = checkTurnStream(await runningReader.result, 'the running turn');
    assert.equal(runningStream.status, 'failed', 'its lease lapsed: the API swept it');
    const endedAfterMs = Date.now() - killedAt;
    assert.ok(endedAfterMs < bound, `turns ended ${endedAfterMs} ms after the kill`);

    // Sessions stay readable and the APIs ready.
    for (const index of [0, 1]) {
      const ready = await fetch(`${apiUrl(index)}/ready`);
      assert.equal(ready.status, 200, `API ${index} /ready`);
      assert.equal((await getSession(apiUrl(index), runningSessionId)).active_stream, null);
    }

    // An executor comes back: the queued jobs of the ended turns are left alone, turns run again.
    const messagesBefore = await Promise.all(
      waiting.map(async ({ sessionId }) => (await getSession(apiUrl(0), sessionId)).messages),
    );
    await cluster.addExecutor({ DEMO_ANSWER_WORDS: '5' });
    for (const index of [0, 1]) {
      const sessionId = await createSession(apiUrl(index));
      let answered: Awaited<ReturnType<typeof ask>> | undefined;
      await waitFor(
        async () => {
          answered = await ask(apiUrl(index), sessionId, 'back? [demo:words=5]');
          return answered.status !== 503;
        },
        { timeoutMs: 5_000, intervalMs: 200, message: `API ${index} sees the executor again` },
      );
      assert.ok(answered);
      assertAnswered(answered, `a message to API ${index} once the executor is back`);
    }
    for (const [index, { sessionId, turnId }] of waiting.entries()) {
      assert.equal((await probe.registryTurn(turnId)).status, 'failed', 'still ended, once');
      assert.deepEqual((await getSession(apiUrl(0), sessionId)).messages, messagesBefore[index]);
      assertAnswered(await ask(apiUrl(0), sessionId, 'again [demo:words=5]'), 'a retry later');
    }
  });
});
