import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UIMessage } from 'ai';
import { Redis } from 'ioredis';
import { unfinishedAnswerText } from '../../src/turn/turn-outcomes.ts';
import { checkTurnStream, uninterruptedAnswer } from '../races/race-support.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { freePort } from '../support/free-port.ts';
import { chunksOf } from '../support/read-sse.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  assertAllProcessesAlive,
  assertSettledEverywhere,
  ClusterProbe,
  createSession,
  errorCode,
  getSession,
  postTurn,
  type TurnReader,
  waitForText,
  waitUntilNoSessionActive,
} from './cluster-fault-support.ts';

const defaultWords = 40;
const outageMs = 2_000;
const longText = 'tell me a very long story [demo:words=3000]';
/** The registry's requests fail after two reconnect attempts, so the API answers 503 fast. */
const refusedWithinMs = 5_000;
/**
 * The sweeper looks at a stored turn only once it is this old (`storeGraceMs` in
 * `executor-services.ts`: twice LEASE_TTL_MS, at least 30 s); a turn whose session nobody writes
 * to again is ended then, within a sweep interval (plus a loaded machine's slack).
 */
const abandonedTurnSettledMs = 30_000 + 5_000;
/**
 * An API checks the turns of its waiting readers as soon as its Redis connection is back, and ends
 * the streams of the vanished ones (plus a loaded machine's slack), counted from when Redis is back.
 */
const vanishedStreamClosedMs = 5_000;
/** Once Redis is back, no session of the deployment is listed as running this long after. */
const noSessionRunningBoundMs = 5_000;
/** What the sweeper and the API record for a turn whose registry state is gone. */
const stateLostError = 'the turn’s stream state was lost';

/**
 * A redis-server of this file's own, without persistence, so that killing and starting it again
 * is a real restart that loses every key. The shared Redis on 6379 serves other test files.
 */
class PrivateRedis {
  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(
      await freePort(),
      await mkdtemp(join(tmpdir(), 'redis-restart-')),
    );
    await redis.restart();
    return redis;
  }

  readonly port: number;
  readonly #dir: string;
  #child: ChildProcess | null = null;
  #output = '';
  // A test runner that dies without running `after` must not leave the server behind.
  readonly #killOnExit = () => this.#child?.kill('SIGKILL');

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
    process.once('exit', this.#killOnExit);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (empty) on the same port and waits until it answers PING. */
  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly'];
    const child = spawn('redis-server', [...args, 'no', '--dir', this.#dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const collect = (data: Buffer) => {
      this.#output += data.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited:\n${this.#output}`);
        return this.#answersPing();
      },
      { timeoutMs: 10_000, intervalMs: 50, message: `redis-server on port ${this.port}` },
    );
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    await this.kill();
    process.off('exit', this.#killOnExit);
    await rm(this.#dir, { recursive: true, force: true });
  }

  async #answersPing(): Promise<boolean> {
    const client = new Redis({
      host: '127.0.0.1',
      port: this.port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  }
}

/** The `start.messageId` of a turn read so far: the id its assistant message is stored under. */
function assistantMessageIdOf(reader: TurnReader): string {
  const start = chunksOf(reader.events.filter((event) => event.data !== '[DONE]')).find(
    (chunk) => chunk.type === 'start',
  );
  assert.ok(start?.type === 'start' && start.messageId, 'no start chunk with a message id');
  return start.messageId;
}

describe('a real Redis restart mid-turn (a private redis-server without persistence: every key is lost)', () => {
  let redis: PrivateRedis;
  let cluster: Cluster;
  let probe: ClusterProbe;
  before(async () => {
    redis = await PrivateRedis.start();
    cluster = await startCluster({
      apis: 1,
      executors: 2,
      environment: { REDIS_URL: redis.url, DEMO_ANSWER_WORDS: String(defaultWords) },
    });
    probe = await ClusterProbe.open(cluster, redis.url);
  });
  after(async () => {
    await probe?.close();
    await cluster?.close();
    await redis?.close();
  });

  /** Asserts the interrupted turn's persisted outcome: failed, its answer stored as a failure. */
  async function assertFailedForLostState(
    message: UIMessage | undefined,
    turnId: string,
    assistantMessageId: string,
  ) {
    assert.deepEqual(await probe.storedTurn(turnId), { status: 'failed', error: stateLostError });
    assert.equal(message?.id, assistantMessageId, 'the failed answer is not where it belongs');
    // The streamed chunks lived only in Redis, so the text the user saw before the restart is
    // gone: the message keeps no parts, only the failure a reload shows.
    assert.deepEqual(message?.parts, []);
    assert.deepEqual(message?.metadata, { status: 'failed', errorText: unfinishedAnswerText });
  }

  /** Sends a message and asserts it is answered in full and settled in Redis and PostgreSQL. */
  async function assertAnswered(sessionId: string, text: string, messageId?: string) {
    const api = cluster.apis[0]?.url ?? '';
    const stream = checkTurnStream(
      await postTurn(api, sessionId, text, messageId).result,
      `"${text}"`,
    );
    assert.equal(stream.text, uninterruptedAnswer(text, defaultWords));
    await assertSettledEverywhere(probe, api, sessionId, stream, 'completed');
    const session = await getSession(api, sessionId);
    return session.messages;
  }

  it('ends the interrupted turns as failed (at once when the session goes on, else by the sweeper), keeps every conversation in order, leaves nothing running and answers new messages in full', async (context) => {
    const api = cluster.apis[0]?.url ?? '';
    const continuedId = await createSession(api);
    const abandonedId = await createSession(api);
    const refusedId = await createSession(api);
    const continued = postTurn(api, continuedId, longText);
    const abandonedText = `another ${longText}`;
    const abandonedPostedAt = Date.now();
    const abandoned = postTurn(api, abandonedId, abandonedText);
    await Promise.all([waitForText(continued, 30), waitForText(abandoned, 30)]);
    const interrupted = [
      { reader: continued, text: longText, seen: continued.text() },
      { reader: abandoned, text: abandonedText, seen: abandoned.text() },
    ];
    const ended = interrupted.map(({ reader }) => {
      let done = false;
      void reader.result.finally(() => {
        done = true;
      });
      return () => done;
    });
    const continuedTurnId = continued.turnId() ?? '';
    const abandonedTurnId = abandoned.turnId() ?? '';

    await redis.kill();
    const downAt = Date.now();
    const refused = await postTurn(api, refusedId, 'hello in the outage', 'outage-1').result;
    const refusedAfterMs = Date.now() - downAt;
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(errorCode(refused), 'SERVICE_UNAVAILABLE');
    assert.ok(refusedAfterMs < refusedWithinMs, `the 503 took ${refusedAfterMs} ms`);
    await sleep(Math.max(0, outageMs - (Date.now() - downAt)));
    await redis.restart();
    await waitFor(() => ended.every((isEnded) => isEnded()), {
      timeoutMs: vanishedStreamClosedMs,
      intervalMs: 50,
      message: `the streams of the vanished turns ended within ${vanishedStreamClosedMs} ms of Redis being back`,
    });

    for (const turnId of [continuedTurnId, abandonedTurnId]) {
      assert.equal(await probe.registryKeyCount(turnId), 0, 'the restart kept turn state');
    }
    await waitUntilNoSessionActive(api, noSessionRunningBoundMs);
    for (const sessionId of [continuedId, abandonedId, refusedId]) {
      assert.equal((await getSession(api, sessionId)).active_stream, null, sessionId);
    }
    assert.equal((await probe.storedTurn(continuedTurnId))?.status, 'running');

    // The user goes on at once: the interrupted turn ends before the new message is stored.
    const continuedMessages = await assertAnswered(continuedId, 'one more [demo:words=30]');
    assert.deepEqual(
      continuedMessages.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
    await assertFailedForLostState(
      continuedMessages[1],
      continuedTurnId,
      assistantMessageIdOf(continued),
    );
    const retried = await assertAnswered(refusedId, 'hello in the outage', 'outage-1');
    assert.deepEqual(
      retried.map((message) => [message.role, message.role === 'user' ? message.id : '']),
      [
        ['user', 'outage-1'],
        ['assistant', ''],
      ],
    );

    // Nobody writes to the other session again: the sweeper ends its turn.
    await waitFor(async () => (await probe.storedTurn(abandonedTurnId))?.status !== 'running', {
      timeoutMs: Math.max(0, abandonedTurnSettledMs - (Date.now() - abandonedPostedAt)),
      intervalMs: 200,
      message: `the abandoned turn ended within ${abandonedTurnSettledMs} ms of its start`,
    });
    const settledAfterMs = Date.now() - abandonedPostedAt;
    const abandonedMessages = (await getSession(api, abandonedId)).messages;
    assert.deepEqual(
      abandonedMessages.map((message) => message.role),
      ['user', 'assistant'],
    );
    await assertFailedForLostState(
      abandonedMessages[1],
      abandonedTurnId,
      assistantMessageIdOf(abandoned),
    );
    const afterSweep = await assertAnswered(abandonedId, 'and now? [demo:words=30]');
    assert.deepEqual(
      afterSweep.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant'],
    );

    // The open streams of the vanished turns end as the store ends those turns: an error, then
    // [DONE]. What they showed was never rewritten.
    for (const { reader, text, seen } of interrupted) {
      const result = await reader.result;
      assert.equal(result.status, 200);
      assert.deepEqual(
        reader.events.slice(-2).map((event) => event.data),
        [JSON.stringify({ type: 'error', errorText: unfinishedAnswerText }), '[DONE]'],
        `${text}: the stream ends with an error and [DONE]`,
      );
      assert.ok(reader.text().startsWith(seen), `${text}: the stream changed what it had shown`);
      assert.ok(uninterruptedAnswer(text, defaultWords).startsWith(reader.text()), text);
    }

    await waitUntilNoSessionActive(api, noSessionRunningBoundMs);
    assertAllProcessesAlive(cluster);
    context.diagnostic(
      `503 after ${refusedAfterMs} ms; the abandoned turn ended ${settledAfterMs} ms after its start`,
    );
  });
});
