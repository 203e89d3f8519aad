import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkTurnStream, uninterruptedAnswer } from '../races/race-support.ts';
import { type Cluster, clusterServiceUrls, startCluster } from '../support/cluster.ts';
import { queueCounts } from '../support/rabbitmq-test-support.ts';
import { TcpFaultProxy } from '../support/tcp-fault-proxy.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  assertSettledEverywhere,
  assertStopReachesEveryExecutor,
  ClusterProbe,
  createSession,
  errorCode,
  getSession,
  postTurn,
  waitForText,
  waitUntilNoSessionActive,
} from './cluster-fault-support.ts';

const defaultWords = 40;
const outageMs = 2_000;
const longText = 'tell me a very long story [demo:words=3000]';
/** Everything settled: no session of the deployment is listed as running this long after. */
const noSessionRunningBoundMs = 5_000;

/** A proxy in front of the real service at `url`, and `url` pointed at the proxy. */
async function proxyFor(url: string, defaultPort: number) {
  const target = new URL(url);
  const proxy = await TcpFaultProxy.start({
    host: target.hostname,
    port: Number(target.port || defaultPort),
  });
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return { proxy, url: proxied.toString() };
}

describe('Redis outages and connection resets mid-turn (every process reaches Redis through a fault proxy)', () => {
  let proxy: TcpFaultProxy;
  let cluster: Cluster;
  let probe: ClusterProbe;
  before(async () => {
    const proxied = await proxyFor(clusterServiceUrls.redis, 6379);
    proxy = proxied.proxy;
    cluster = await startCluster({
      apis: 1,
      executors: 2,
      environment: { REDIS_URL: proxied.url, DEMO_ANSWER_WORDS: String(defaultWords) },
    });
    probe = await ClusterProbe.open(cluster);
  });
  after(async () => {
    proxy?.comeBack();
    await probe?.close();
    await cluster?.close();
    await proxy?.close();
  });

  it('answers a new message 503 quickly during the outage; afterwards the running turn reaches one terminal state, the same everywhere, nothing stays running, and new turns work', async (context) => {
    const api = cluster.apis[0]?.url ?? '';
    const sessionId = await createSession(api);
    const otherSessionId = await createSession(api);
    const reader = postTurn(api, sessionId, longText);
    await waitForText(reader, 30);
    const seenBeforeOutage = reader.text();

    proxy.goDown();
    const downAt = Date.now();
    const refused = await postTurn(api, otherSessionId, 'hello in the outage', 'outage-1').result;
    const refusedAfterMs = Date.now() - downAt;
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(errorCode(refused), 'SERVICE_UNAVAILABLE');
    assert.ok(refusedAfterMs < 5_000, `the 503 took ${refusedAfterMs} ms`);
    await sleep(Math.max(0, outageMs - (Date.now() - downAt)));
    proxy.comeBack();
    const upAt = Date.now();

    const stream = checkTurnStream(await reader.result, 'the turn across the outage');
    const endedAfterMs = (reader.doneAt() ?? Number.POSITIVE_INFINITY) - upAt;
    context.diagnostic(
      `503 after ${refusedAfterMs} ms; the turn ended ${stream.status} ${endedAfterMs} ms after Redis was back`,
    );
    // Either outcome is the design's. An append that failed during the outage stops the model and
    // fails the turn as soon as Redis answers again (by the executor, or by the sweeper since the
    // lease lapsed). An append the Redis client held through the outage and sent afterwards lets
    // the turn go on and complete when the model is done (≈ 9 s of words at 3 ms each), unless the
    // sweeper saw the lapsed lease first. Whichever it is, it holds everywhere.
    assert.ok(stream.text.startsWith(seenBeforeOutage), 'the answer changed what was shown');
    const full = uninterruptedAnswer(longText, defaultWords);
    if (stream.status === 'completed') {
      assert.equal(stream.text, full, 'the completed answer has gaps or repeats');
      // Only the model's pace bounds it (≈ 9 s of words; slower on a loaded machine).
      assert.ok(endedAfterMs < 30_000, `completed ${endedAfterMs} ms after Redis came back`);
    } else {
      assert.equal(stream.status, 'failed');
      assert.ok(full.startsWith(stream.text), 'the partial answer has gaps or repeats');
      assert.ok(stream.text.length < full.length, 'a failed turn with the whole answer');
      assert.ok(endedAfterMs < 3_000, `failed ${endedAfterMs} ms after Redis came back`);
    }
    await assertSettledEverywhere(probe, api, sessionId, stream, stream.status);

    const untouched = await getSession(api, otherSessionId);
    assert.deepEqual([untouched.messages, untouched.active_stream], [[], null]);
    await waitUntilNoSessionActive(api, noSessionRunningBoundMs);

    const retried = checkTurnStream(
      await postTurn(api, otherSessionId, 'hello in the outage', 'outage-1').result,
      'the refused message sent again',
    );
    assert.equal(retried.text, uninterruptedAnswer('hello in the outage', defaultWords));
    await assertSettledEverywhere(probe, api, otherSessionId, retried, 'completed');
    const next = checkTurnStream(
      await postTurn(api, sessionId, 'one more [demo:words=30]').result,
      'a new turn in the interrupted session',
    );
    await assertSettledEverywhere(probe, api, sessionId, next, 'completed');
    await waitUntilNoSessionActive(api, noSessionRunningBoundMs);
  });

  it('connection resets mid-turn neither repeat nor lose any part of an answer: each turn completes exactly or fails with an exact prefix, the same everywhere', async (context) => {
    const api = cluster.apis[0]?.url ?? '';
    const turns = await Promise.all(
      Array.from({ length: 6 }, async (_, index) => {
        const text = `story number ${index} [demo:words=1000]`;
        const sessionId = await createSession(api);
        return { text, sessionId, reader: postTurn(api, sessionId, text) };
      }),
    );
    await Promise.all(turns.map(({ reader }) => waitForText(reader, 5)));
    let running = true;
    const ended = Promise.all(turns.map(({ reader }) => reader.result)).finally(() => {
      running = false;
    });
    // Each reset drops every Redis connection of every process; the client reconnects in about
    // 100 ms and sends again the commands whose replies the reset lost.
    let resets = 0;
    while (running && resets < 15) {
      await sleep(200 + Math.random() * 150);
      proxy.cut();
      resets += 1;
    }
    await ended;
    let completed = 0;
    for (const { text, sessionId, reader } of turns) {
      const stream = checkTurnStream(await reader.result, text);
      const full = uninterruptedAnswer(text, defaultWords);
      if (stream.status === 'completed') {
        assert.equal(stream.text, full, `${text}: parts of the answer repeated or lost`);
        completed += 1;
      } else {
        // Resets in quick succession exhaust the client's retries: an append fails, the turn too.
        assert.equal(stream.status, 'failed', text);
        assert.ok(full.startsWith(stream.text), `${text}: the partial answer repeats or skips`);
      }
      await assertSettledEverywhere(probe, api, sessionId, stream, stream.status);
    }
    context.diagnostic(`${resets} resets; ${completed} of ${turns.length} turns completed`);
    assert.ok(resets >= 5, `only ${resets} resets happened while the turns ran`);
    await waitUntilNoSessionActive(api, noSessionRunningBoundMs);
  });
});

describe('a RabbitMQ outage between turns (every process reaches RabbitMQ through a fault proxy)', () => {
  const cancelForceCloseMs = 4_000;
  let proxy: TcpFaultProxy;
  let cluster: Cluster;
  let probe: ClusterProbe;
  before(async () => {
    const proxied = await proxyFor(clusterServiceUrls.amqp, 5672);
    proxy = proxied.proxy;
    cluster = await startCluster({
      apis: 1,
      executors: 2,
      environment: {
        AMQP_URL: proxied.url,
        DEMO_ANSWER_WORDS: String(defaultWords),
        CANCEL_FORCE_CLOSE_MS: String(cancelForceCloseMs),
      },
    });
    probe = await ClusterProbe.open(cluster);
  });
  after(async () => {
    proxy?.comeBack();
    await probe?.close();
    await cluster?.close();
    await proxy?.close();
  });

  /** Consumers on the deployment's turn queue, asked of the real broker. */
  async function turnQueueConsumers(): Promise<number> {
    const turns = `${cluster.keyPrefix}.turns`;
    return (await queueCounts(turns, clusterServiceUrls.amqp)).consumerCount;
  }

  it('answers 503 quickly during the outage and leaves no message or turn behind; once it is back the same message is answered and Stop still reaches every executor', async (context) => {
    const api = cluster.apis[0]?.url ?? '';
    const sessionId = await createSession(api);
    const first = checkTurnStream(
      await postTurn(api, sessionId, 'before the outage').result,
      'the turn before the outage',
    );
    await assertSettledEverywhere(probe, api, sessionId, first, 'completed');
    const before = await getSession(api, sessionId);

    const text = 'sent while the broker is down';
    const messageId = 'outage-message-1';
    proxy.goDown();
    const downAt = Date.now();
    const refused = await postTurn(api, sessionId, text, messageId).result;
    const refusedAfterMs = Date.now() - downAt;
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(errorCode(refused), 'SERVICE_UNAVAILABLE');
    assert.ok(refusedAfterMs < 3_000, `the 503 took ${refusedAfterMs} ms`);
    const during = await getSession(api, sessionId);
    assert.deepEqual(during.messages, before.messages, 'the refused message was kept');
    assert.equal(during.active_stream, null);
    await waitUntilNoSessionActive(api, noSessionRunningBoundMs);
    await sleep(Math.max(0, outageMs - (Date.now() - downAt)));
    proxy.comeBack();
    const upAt = Date.now();

    // A client retries while the API reconnects; every refused attempt leaves nothing behind.
    let answered = await postTurn(api, sessionId, text, messageId).result;
    while (answered.status === 503 && Date.now() - upAt < 15_000) {
      await sleep(200);
      answered = await postTurn(api, sessionId, text, messageId).result;
    }
    const retried = checkTurnStream(answered, 'the same message after the outage');
    context.diagnostic(
      `503 after ${refusedAfterMs} ms; answered ${Date.now() - upAt} ms after the broker was back`,
    );
    assert.equal(retried.text, uninterruptedAnswer(text, defaultWords));
    await assertSettledEverywhere(probe, api, sessionId, retried, 'completed');
    const messages = (await getSession(api, sessionId)).messages;
    assert.deepEqual(
      messages.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
    assert.equal(messages[2]?.id, messageId);

    await waitFor(async () => (await turnQueueConsumers()) === cluster.executors.length, {
      timeoutMs: 15_000,
      intervalMs: 200,
      message: 'every executor consumes again',
    });
    await assertStopReachesEveryExecutor(cluster, probe, longText, cancelForceCloseMs);
    await waitUntilNoSessionActive(api, noSessionRunningBoundMs);
  });
});
