import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, afterEach, before, describe, it } from 'node:test';
import { turnOutcomes } from '../../src/turn/turn-outcomes.ts';
import { checkTurnStream, uninterruptedAnswer } from '../races/race-support.ts';
import {
  type Cluster,
  type ClusterProcess,
  killProcess,
  redisDeployments,
  startCluster,
  stopProcess,
} from '../support/cluster.ts';
import { parseSseId, readSse } from '../support/read-sse.ts';
import {
  assertSettledEverywhere,
  ClusterProbe,
  createSession,
  getSession,
  postTurn,
  type TurnReader,
  waitForText,
  waitUntilNoSessionActive,
} from './cluster-fault-support.ts';

const defaultWords = 40;
const leaseTtlMs = 1_500;
const sweepIntervalMs = 300;
/**
 * From SIGKILL to the terminal event at a reader: the lease lapses (TTL), the sweeper acts on its
 * next round after its grace (one interval each), and the reader hears of it; the rest is slack
 * for a loaded 2-core machine (the replacement executor starts meanwhile, in parallel).
 */
const endAfterKillBoundMs = 6_000;
/** Everything settled: no session of the deployment is listed as running this long after. */
const noSessionRunningBoundMs = 3_000;
const longText = 'tell me a very long story [demo:words=3000]';

for (const redis of redisDeployments) {
  describe(`executor faults: SIGKILL and SIGTERM mid-turn (2 API processes, real executors, ${redis.name})`, () => {
    let cluster: Cluster;
    let probe: ClusterProbe;
    /** Executors the running test started; it leaves none behind (see afterEach). */
    const started: ClusterProcess[] = [];

    before(async () => {
      cluster = await startCluster({
        ...redis.options,
        apis: 2,
        executors: 0,
        environment: {
          DEMO_ANSWER_WORDS: String(defaultWords),
          DEMO_TOKEN_DELAY_MS: '3',
          LEASE_TTL_MS: String(leaseTtlMs),
          SWEEP_INTERVAL_MS: String(sweepIntervalMs),
        },
      });
      probe = await ClusterProbe.open(cluster);
    });
    afterEach(async () => {
      await Promise.all(started.splice(0).map(stopProcess));
    });
    after(async () => {
      await probe?.close();
      await cluster?.close();
    });

    const api = (index: number) => {
      const process = cluster.apis[index];
      assert.ok(process);
      return process.url;
    };
    const addExecutor = async (overrides: Record<string, string> = {}) => {
      const executor = await cluster.addExecutor(overrides);
      started.push(executor);
      return executor;
    };

    /** The turn id once the reader has some text, and the executor holding its lease. */
    async function runningTurn(reader: TurnReader, executors: readonly ClusterProcess[]) {
      await waitForText(reader, 30);
      const turnId = reader.turnId();
      assert.ok(turnId, 'no turn id on the stream');
      const holder = await probe.leaseHolder(turnId, executors);
      assert.ok(holder, `no executor of this test holds the lease of ${turnId}`);
      return { turnId, holder };
    }

    /**
     * Kills the turn's executor and checks the outcome: a terminal `error` within the bound at the
     * original reader and at a reader that re-attached through the other API process, the partial
     * answer persisted exactly as read, nothing running. Returns how long after the kill it ended.
     */
    async function killAndCheck(
      reader: TurnReader,
      sessionId: string,
      victim: ClusterProcess,
      turnId: string,
      startReplacement: boolean,
    ) {
      const seenBeforeKill = reader.text();
      const killedAt = Date.now();
      await killProcess(victim);
      const replacement = startReplacement ? addExecutor() : undefined;
      const lastSeen = reader.events.at(-1);
      const resumed = readSse(`${api(1)}/api/chat/sessions/${sessionId}/stream`, {
        headers: { 'last-event-id': lastSeen?.id ?? `${turnId}:0` },
      });
      const stream = checkTurnStream(await reader.result, 'the killed turn');
      const endedAfterMs = (reader.doneAt() ?? Number.POSITIVE_INFINITY) - killedAt;
      assert.ok(
        endedAfterMs < endAfterKillBoundMs,
        `the turn ended ${endedAfterMs} ms after the kill (bound ${endAfterKillBoundMs} ms)`,
      );
      assert.equal(stream.terminal.type, 'error');
      assert.equal(
        stream.terminal.type === 'error' && stream.terminal.errorText,
        turnOutcomes.executorGone.publicErrorText,
      );
      assert.ok(
        stream.text.startsWith(seenBeforeKill),
        'the answer changed what was already shown',
      );
      const full = uninterruptedAnswer(longText, defaultWords);
      assert.ok(full.startsWith(stream.text), 'the partial answer is not a prefix of the answer');
      assert.ok(stream.text.length > 0 && stream.text.length < full.length, 'not a partial answer');

      const tail = await resumed;
      assert.equal(tail.done, true, 'the re-attached reader did not get [DONE]');
      const afterPosition = parseSseId(lastSeen?.id)?.position ?? 0;
      assert.deepEqual(
        tail.events.map((event) => [event.id, event.data]),
        reader.events.slice(afterPosition).map((event) => [event.id, event.data]),
        'the reader on the other API process got something else than the rest of the turn',
      );
      await assertSettledEverywhere(probe, api(1), sessionId, stream, 'failed');
      await replacement;
      return endedAfterMs;
    }

    /** The next message in the session is answered in full, end to end. */
    async function assertNextMessageWorks(sessionId: string, apiIndex: number) {
      const text = `and now something short ${apiIndex} [demo:words=30]`;
      const next = checkTurnStream(
        await postTurn(api(apiIndex), sessionId, text).result,
        'the next turn',
      );
      assert.equal(next.text, uninterruptedAnswer(text, defaultWords));
      await assertSettledEverywhere(probe, api(1 - apiIndex), sessionId, next, 'completed');
      assert.equal((await getSession(api(0), sessionId)).messages.length, 4);
    }

    it('a SIGKILLed executor’s turn ends as failed within the bound, keeps its partial answer, and the next message works on a replacement', async (context) => {
      const executor = await addExecutor();
      const sessionId = await createSession(api(0));
      const reader = postTurn(api(0), sessionId, longText);
      const { turnId, holder } = await runningTurn(reader, [executor]);
      assert.equal(holder, executor);
      const endedAfterMs = await killAndCheck(reader, sessionId, executor, turnId, true);
      context.diagnostic(`the turn ended ${endedAfterMs} ms after the kill`);
      await assertNextMessageWorks(sessionId, 0);
      await waitUntilNoSessionActive(api(1), noSessionRunningBoundMs);
    });

    it('with two executors, killing the lease holder ends its turn within the bound through the other executor, which then answers the next message', async (context) => {
      const executors = await Promise.all([addExecutor(), addExecutor()]);
      const sessionId = await createSession(api(1));
      const reader = postTurn(api(0), sessionId, longText);
      const { turnId, holder } = await runningTurn(reader, executors);
      const survivor = executors.find((executor) => executor !== holder);
      assert.ok(survivor);
      const apiFailedBefore = (await failedTurnCounts([api(0), api(1)])).reduce((a, b) => a + b, 0);
      const endedAfterMs = await killAndCheck(reader, sessionId, holder, turnId, false);
      context.diagnostic(`the turn ended ${endedAfterMs} ms after the kill`);
      // Only the survivor is left to take the redelivered job, or it or an API process swept the
      // turn: one of them ended it, once.
      const failedAfter = await failedTurnCounts([survivor.url, api(0), api(1)]);
      assert.equal(
        failedAfter.reduce((sum, count) => sum + count, 0) - apiFailedBefore,
        1,
        `failed turns by the survivor, API 0, API 1: ${failedAfter.join(', ')}`,
      );
      await assertNextMessageWorks(sessionId, 1);
      await waitUntilNoSessionActive(api(0), noSessionRunningBoundMs);
    });

    it('SIGTERM with a short shutdown deadline ends a long running turn as failed with a clear message before the process exits 0', async (context) => {
      const deadlineMs = 1_000;
      const executor = await addExecutor({ SHUTDOWN_DEADLINE_MS: String(deadlineMs) });
      const sessionId = await createSession(api(0));
      const reader = postTurn(api(1), sessionId, longText);
      const { turnId } = await runningTurn(reader, [executor]);
      const exit = await terminateAndWatch(executor, () => probe.registryTurn(turnId));
      assert.deepEqual([exit.code, exit.signal], [0, null], executor.output().slice(-2000));
      context.diagnostic(`exited ${exit.elapsedMs} ms after SIGTERM`);
      // No other executor runs: a terminal status seen as the process exits was written by it.
      assert.equal(exit.stateAtExit.status, 'failed', 'the turn was not ended before the exit');
      assert.equal(exit.stateAtExit.error, 'interrupted by shutdown');
      assert.ok(
        exit.elapsedMs >= deadlineMs - 50 && exit.elapsedMs < deadlineMs + 4_000,
        `exited ${exit.elapsedMs} ms after SIGTERM (deadline ${deadlineMs} ms)`,
      );
      const stream = checkTurnStream(await reader.result, 'the turn at shutdown');
      assert.equal(
        stream.terminal.type === 'error' && stream.terminal.errorText,
        'The server restarted while answering. Please try again.',
      );
      await assertSettledEverywhere(probe, api(0), sessionId, stream, 'failed');
      await waitUntilNoSessionActive(api(0), noSessionRunningBoundMs);
    });

    it('SIGTERM with a long shutdown deadline lets a turn in flight complete normally, then the process exits 0', async (context) => {
      const deadlineMs = 20_000;
      const executor = await addExecutor({ SHUTDOWN_DEADLINE_MS: String(deadlineMs) });
      const sessionId = await createSession(api(1));
      const text = 'a short answer [demo:words=500]';
      const reader = postTurn(api(0), sessionId, text);
      const { turnId } = await runningTurn(reader, [executor]);
      const eventsAtSignal = reader.events.length;
      const exit = await terminateAndWatch(executor, () => probe.registryTurn(turnId));
      assert.deepEqual([exit.code, exit.signal], [0, null], executor.output().slice(-2000));
      assert.equal(exit.stateAtExit.status, 'completed', 'the turn had not completed at the exit');
      context.diagnostic(`exited ${exit.elapsedMs} ms after SIGTERM`);
      assert.ok(exit.elapsedMs < deadlineMs / 2, `exited only ${exit.elapsedMs} ms after SIGTERM`);
      const stream = checkTurnStream(await reader.result, 'the turn finishing during shutdown');
      assert.ok(stream.chunks.length > eventsAtSignal + 20, 'the turn did not go on after SIGTERM');
      assert.equal(stream.text, uninterruptedAnswer(text, defaultWords));
      await assertSettledEverywhere(probe, api(1), sessionId, stream, 'completed');
      await waitUntilNoSessionActive(api(1), noSessionRunningBoundMs);
    });
  });
}

/** Each process's count of turns it ended as failed (its /metrics). */
async function failedTurnCounts(urls: readonly string[]): Promise<number[]> {
  return Promise.all(
    urls.map(async (url) => {
      const metrics = await (await fetch(`${url}/metrics`)).text();
      const count = /durable_chat_turns_finished_total\{outcome="failed"\} (\d+)/.exec(metrics);
      return Number(count?.[1] ?? 0);
    }),
  );
}

/**
 * Sends SIGTERM and waits for the exit; reads the turn's state the moment the exit is seen,
 * before anything else could change it.
 */
async function terminateAndWatch(
  process: ClusterProcess,
  readState: () => Promise<Record<string, string>>,
) {
  const exited = once(process.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const signalledAt = Date.now();
  process.child.kill('SIGTERM');
  const [code, signal] = await exited;
  const elapsedMs = Date.now() - signalledAt;
  return { code, signal, elapsedMs, stateAtExit: await readState() };
}
