import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { checkTurnStream, uninterruptedAnswer } from '../races/race-support.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { parseSseId, readSse, type SseReadResult } from '../support/read-sse.ts';
import type { RedisCluster, RedisClusterNode } from '../support/redis-cluster.ts';
import {
  assertAllProcessesAlive,
  assertSettledEverywhere,
  ClusterProbe,
  createSession,
  errorCode,
  postTurn,
  waitForText,
  waitUntilNoSessionActive,
} from './cluster-fault-support.ts';

const defaultWords = 40;
const longText = 'tell me a very long story [demo:words=3000]';
/** How long a silent master takes to be marked failing; its replica's election follows. */
const nodeTimeoutMs = 2_000;
/** From the kill to a replica serving the slots: node timeout, election, gossip, slack. */
const failoverBoundMs = 15_000;
/** A caller during the failover has its answer's status line within this, or it hung. */
const answeredWithinMs = 10_000;
/**
 * A stream read during the failover ends within this, and no session is left running this long
 * after the promotion: a turn whose registry state was lost with the master is ended by the
 * sweeper once its stored turn is older than its grace (twice the lease, at least 30 s).
 */
const settledWithinMs = 35_000;
/** Between two rounds of calls while the cluster fails over. */
const callIntervalMs = 250;

/** What one caller got while a master was down. */
interface FailoverAnswer {
  what: string;
  /** A GET of the stream after a cursor, not a whole turn. */
  resumed: boolean;
  result: SseReadResult;
  /** From the request to its status line; Infinity when none came. */
  answeredAfterMs: number;
}

describe('a Redis Cluster master SIGKILLed mid-turn (3 masters with a replica each, 2 APIs, 2 executors)', () => {
  let cluster: Cluster;
  let redisCluster: RedisCluster;
  let probe: ClusterProbe;
  before(async () => {
    cluster = await startCluster({
      redisCluster: { masters: 3, replicasPerMaster: 1, nodeTimeoutMs },
      environment: { DEMO_ANSWER_WORDS: String(defaultWords) },
    });
    assert.ok(cluster.redisCluster);
    redisCluster = cluster.redisCluster;
    probe = await ClusterProbe.open(cluster);
  });
  after(async () => {
    await probe?.close();
    await cluster?.close();
  });

  const api = (index: number) => cluster.apis[index % cluster.apis.length]?.url ?? '';

  it('callers get an answer or a clear 503 during the failover, the running turn ends the same everywhere, no turn stays running, and new turns work', async (context) => {
    const sessionId = await createSession(api(0));
    const spareSessions = await Promise.all(
      Array.from({ length: 60 }, (_, index) => createSession(api(index))),
    );
    const reader = postTurn(api(0), sessionId, longText);
    await waitForText(reader, 30);
    const turnId = reader.turnId();
    assert.ok(turnId, 'no turn id on the stream');
    const holders = await mastersHoldingKeysOf(redisCluster, turnId);
    assert.equal(holders.length, 1, `the turn's keys are spread over ${holders.length} masters`);
    const victim = holders[0] as RedisClusterNode;
    const seenBeforeKill = reader.text();
    const lastSeen = reader.events.at(-1);

    const killedAt = Date.now();
    await redisCluster.killNode(victim.port);
    const resumed = callApi(
      `resume through API 1`,
      `${api(1)}/api/chat/sessions/${sessionId}/stream`,
      {
        headers: { 'last-event-id': lastSeen?.id ?? `${turnId}:0` },
      },
    );
    const calls: Promise<FailoverAnswer>[] = [resumed];
    let failedOver = false;
    const promotion = redisCluster
      .waitForFailover(victim.port, { timeoutMs: failoverBoundMs })
      .finally(() => (failedOver = true));
    for (let round = 0; !failedOver && round < spareSessions.length; round += 1) {
      const spare = spareSessions[round] ?? '';
      const body = JSON.stringify({ message: `during the failover ${round} [demo:words=20]` });
      calls.push(
        callApi(
          `POST a turn in session ${spare}`,
          `${api(round)}/api/chat/sessions/${spare}/stream`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          },
        ),
        callApi(`GET session ${sessionId}`, `${api(round + 1)}/api/chat/sessions/${sessionId}`),
      );
      await new Promise((resolve) => setTimeout(resolve, callIntervalMs));
    }
    const promoted = await promotion;
    const promotedAfterMs = Date.now() - killedAt;
    assert.notEqual(promoted.port, victim.port);

    const answers = await Promise.all(calls);
    const statuses = answers.map((answer) => answer.result.status);
    context.diagnostic(
      `promoted ${promotedAfterMs} ms after the kill; ${answers.length} calls meanwhile, ` +
        `statuses ${JSON.stringify(countOf(statuses))}`,
    );
    for (const answer of answers) assertClearAnswer(answer, () => unhandledErrors(cluster));

    const resumedTail = (await resumed).result;
    if (resumedTail.status === 200) {
      const afterPosition = parseSseId(lastSeen?.id)?.position ?? 0;
      const original = await reader.result;
      assert.deepEqual(
        resumedTail.events.map((event) => [event.id, event.data]),
        original.events.slice(afterPosition).map((event) => [event.id, event.data]),
        'the reader that re-attached during the failover got something else than the rest',
      );
    }

    const stream = checkTurnStream(await reader.result, 'the turn whose master was killed');
    const endedAfterMs = (reader.doneAt() ?? Number.POSITIVE_INFINITY) - killedAt;
    context.diagnostic(`the running turn ended ${stream.status} ${endedAfterMs} ms after the kill`);
    assert.ok(stream.text.startsWith(seenBeforeKill), 'the answer changed what was shown');
    const full = uninterruptedAnswer(longText, defaultWords);
    if (stream.status === 'completed') {
      assert.equal(stream.text, full, 'the completed answer has gaps or repeats');
    } else {
      assert.equal(stream.status, 'failed');
      assert.ok(full.startsWith(stream.text), 'the partial answer has gaps or repeats');
    }
    assert.ok(endedAfterMs < settledWithinMs, `ended ${endedAfterMs} ms after the kill`);
    await assertSettledEverywhere(probe, api(1), sessionId, stream, stream.status);

    await waitUntilNoSessionActive(api(0), settledWithinMs);
    for (const spare of spareSessions) {
      for (const turn of await probe.storedTurnStatuses(spare)) {
        assert.ok(
          ['completed', 'failed', 'cancelled'].includes(turn.status),
          `turn ${turn.id} of session ${spare} is still ${turn.status}`,
        );
      }
    }
    assertAllProcessesAlive(cluster);

    for (const [index, target] of [sessionId, spareSessions.at(-1) ?? ''].entries()) {
      const text = `after the failover ${index} [demo:words=30]`;
      const next = checkTurnStream(
        await postTurn(api(index), target, text).result,
        `a new turn after the failover in session ${target}`,
      );
      assert.equal(next.text, uninterruptedAnswer(text, defaultWords));
      await assertSettledEverywhere(probe, api(index + 1), target, next, 'completed');
    }
  });
});

/**
 * A caller during the failover is answered in time, and its answer is clear: a stream that ends
 * with exactly one terminal event, a JSON body, or a 503 with a JSON error code — never a hang,
 * nor a 500.
 */
function assertClearAnswer(
  { what, resumed, result, answeredAfterMs }: FailoverAnswer,
  logged: () => string,
): void {
  const shown = `${what}: ${result.status} ${JSON.stringify(result.body)}${
    result.status === 500 ? `\nthe APIs logged: ${logged()}` : ''
  }`;
  assert.ok(answeredAfterMs < answeredWithinMs, `${shown} answered after ${answeredAfterMs} ms`);
  assert.equal(
    result.aborted,
    false,
    `${shown}: the stream had not ended after ${settledWithinMs} ms`,
  );
  if (result.status === 200 && result.events.length > 0) {
    // A reader resumed from a cursor starts past position 1; the test compares its events with
    // the original stream's rest.
    if (resumed) assert.equal(result.done, true, `${shown}: the resumed stream did not end`);
    else checkTurnStream(result, what);
    return;
  }
  if (result.status === 200 || result.status === 204) return;
  assert.equal(result.status, 503, shown);
  assert.equal(typeof errorCode(result), 'string', `${shown}: no JSON error code`);
}

/** Each error the API processes logged as unhandled, once (they answered 500 or 503). */
function unhandledErrors(cluster: Cluster): string {
  const lines = cluster.apis.flatMap((api) =>
    api
      .output()
      .split('\n')
      .filter((line) => line.includes('"unhandled error"')),
  );
  const messages = lines.map(
    (line) => (JSON.parse(line) as { err?: { message?: string } }).err?.message,
  );
  return [...new Set(messages)].join(' | ');
}

/** Calls a route, noting when the status line came; gives up (aborted) after `settledWithinMs`. */
async function callApi(what: string, url: string, init: RequestInit = {}): Promise<FailoverAnswer> {
  const startedAt = Date.now();
  let answeredAfterMs = Number.POSITIVE_INFINITY;
  const result = await readSse(url, {
    ...init,
    signal: AbortSignal.timeout(settledWithinMs),
    onResponse: () => (answeredAfterMs = Date.now() - startedAt),
  });
  return { what, resumed: new Headers(init.headers).has('last-event-id'), result, answeredAfterMs };
}

/** The running masters that hold a key naming `turnId`, whatever the key layout. */
async function mastersHoldingKeysOf(
  redisCluster: RedisCluster,
  turnId: string,
): Promise<RedisClusterNode[]> {
  const masters = redisCluster.nodes.filter((node) => node.role === 'master');
  const holding = await Promise.all(
    masters.map(async (node) => {
      const redis = new Redis({ host: node.host, port: node.port, maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `*${turnId}*`, 'COUNT', 1000);
          if (keys.length > 0) return true;
          cursor = next;
        } while (cursor !== '0');
        return false;
      } finally {
        redis.disconnect();
      }
    }),
  );
  return masters.filter((_, index) => holding[index]);
}

function countOf(values: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
