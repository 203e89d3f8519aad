import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkTurnStream, uninterruptedAnswer } from '../races/race-support.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { freePort } from '../support/free-port.ts';
import { queueCounts, withBroker } from '../support/rabbitmq-test-support.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  assertAllProcessesAlive,
  assertSettledEverywhere,
  assertStopReachesEveryExecutor,
  ClusterProbe,
  createSession,
  errorCode,
  getSession,
  postTurn,
  waitUntilNoSessionActive,
} from './cluster-fault-support.ts';

const defaultWords = 40;
const outageMs = 2_000;
const longText = 'tell me a very long story [demo:words=3000]';
const cancelForceCloseMs = 4_000;
/** The queue's calls fail after `unavailableAfterMs` (1 s) without a connection: a fast 503. */
const refusedWithinMs = 5_000;
/**
 * Once the broker accepts connections again, every process is back within its reconnect backoff
 * (at most 5 s between attempts) plus re-declaring its topology, and a loaded machine's slack.
 */
const reconnectedWithinMs = 15_000;
/** A broker booting on a loaded machine (about 5–10 s here with an empty plugin list). */
const brokerBootMs = 60_000;
/** Everything settled: no session of the deployment is listed as running this long after. */
const noSessionRunningBoundMs = 5_000;

/**
 * A RabbitMQ node of this file's own, its data in a temporary folder, so that stopping it and
 * starting it again with the same node name and data is a real broker restart: durable queues
 * come back from disk. The shared broker on 5672 serves other test files and is never touched.
 */
class PrivateRabbitMq {
  static async start(): Promise<PrivateRabbitMq> {
    const port = await freePort();
    let distributionPort = await freePort();
    while (distributionPort === port) distributionPort = await freePort();
    const broker = new PrivateRabbitMq(
      port,
      distributionPort,
      await mkdtemp(join(tmpdir(), 'rabbitmq-restart-')),
    );
    try {
      await broker.#writeConfiguration();
      await broker.restart();
      return broker;
    } catch (error) {
      await broker.close();
      throw error;
    }
  }

  readonly port: number;
  readonly #distributionPort: number;
  readonly #dir: string;
  readonly #nodeName = `dc-test-${randomUUID().slice(0, 8)}@localhost`;
  #child: ChildProcess | null = null;
  #output = '';
  // A test runner that dies without running `after` must not leave the broker behind.
  readonly #killOnExit = () => this.#killGroup();

  private constructor(port: number, distributionPort: number, dir: string) {
    this.port = port;
    this.#distributionPort = distributionPort;
    this.#dir = dir;
    process.once('exit', this.#killOnExit);
  }

  get url(): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}`;
  }

  /** Starts the node on its ports and data folder, and waits until it accepts AMQP connections. */
  async restart(): Promise<void> {
    // The Debian wrapper in /usr/sbin would `su` to the rabbitmq user, who cannot write to this
    // folder; the real script runs as root. Its own process group lets `#killGroup` reach the
    // Erlang VM the script starts too.
    const child = spawn('/usr/lib/rabbitmq/bin/rabbitmq-server', [], {
      cwd: this.#dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...this.#environment() },
    });
    this.#child = child;
    const collect = (data: Buffer) => {
      this.#output += data.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await waitFor(
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`rabbitmq-server exited:\n${this.#output}`);
        }
        return this.#acceptsConnections();
      },
      { timeoutMs: brokerBootMs, intervalMs: 200, message: `RabbitMQ on port ${this.port}` },
    );
  }

  /** Stops the node the way an operator does (SIGTERM: a clean shutdown), SIGKILL if it hangs. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // The script forwards SIGTERM to the VM and waits for it to finish.
    child.kill('SIGTERM');
    const timer = setTimeout(() => this.#killGroup(), 15_000);
    await exited;
    clearTimeout(timer);
    // A VM that outlived its script would keep the ports and node name the restart needs.
    this.#killGroup();
  }

  async close(): Promise<void> {
    // A clean stop lets the script reap the VM; a killed script would leave it a zombie.
    await this.stop();
    process.off('exit', this.#killOnExit);
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** How many consumers this broker counts on `queueName`. */
  async consumersOf(queueName: string): Promise<number> {
    return (await queueCounts(queueName, this.url)).consumerCount;
  }

  #environment(): Record<string, string> {
    return {
      // The Erlang cookie is read from (and first written to) $HOME.
      HOME: this.#dir,
      RABBITMQ_NODENAME: this.#nodeName,
      RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.#distributionPort),
      RABBITMQ_MNESIA_BASE: join(this.#dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.#dir, 'log'),
      RABBITMQ_PLUGINS_EXPAND_DIR: join(this.#dir, 'plugins-expand'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.#dir, 'enabled_plugins'),
      // The system's files name the shared node and its listener on 5672: replace both.
      RABBITMQ_CONF_ENV_FILE: join(this.#dir, 'rabbitmq-env.conf'),
      RABBITMQ_CONFIG_FILE: join(this.#dir, 'rabbitmq.conf'),
      RABBITMQ_ADVANCED_CONFIG_FILE: join(this.#dir, 'advanced.config'),
      ERL_EPMD_ADDRESS: '127.0.0.1',
      ERL_FLAGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
  }

  async #writeConfiguration(): Promise<void> {
    await writeFile(
      join(this.#dir, 'rabbitmq.conf'),
      `listeners.tcp.local = 127.0.0.1:${this.port}\n`,
    );
    // No plugins: the management plugin's port would clash with the shared node's.
    await writeFile(join(this.#dir, 'enabled_plugins'), '[].\n');
    await writeFile(join(this.#dir, 'rabbitmq-env.conf'), '');
  }

  async #acceptsConnections(): Promise<boolean> {
    try {
      await withBroker(async () => {}, this.url);
      return true;
    } catch {
      return false;
    }
  }

  #killGroup(): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }
}

describe('a real RabbitMQ restart between turns (a private broker node, its data kept on disk)', () => {
  let broker: PrivateRabbitMq;
  let cluster: Cluster;
  let probe: ClusterProbe;
  before(async () => {
    broker = await PrivateRabbitMq.start();
    cluster = await startCluster({
      apis: 1,
      executors: 2,
      environment: {
        AMQP_URL: broker.url,
        DEMO_ANSWER_WORDS: String(defaultWords),
        CANCEL_FORCE_CLOSE_MS: String(cancelForceCloseMs),
      },
    });
    probe = await ClusterProbe.open(cluster);
  });
  after(async () => {
    await probe?.close();
    await cluster?.close();
    await broker?.close();
  });

  it('answers 503 quickly while the broker is down and leaves nothing behind; once it is back the same message is answered in full, Stop reaches every executor and every process lives on', async (context) => {
    const api = cluster.apis[0]?.url ?? '';
    const sessionId = await createSession(api);
    const first = checkTurnStream(
      await postTurn(api, sessionId, 'before the restart').result,
      'the turn before the restart',
    );
    assert.equal(first.text, uninterruptedAnswer('before the restart', defaultWords));
    await assertSettledEverywhere(probe, api, sessionId, first, 'completed');
    const before = await getSession(api, sessionId);

    const stoppingAt = Date.now();
    await broker.stop();
    const downAt = Date.now();
    const text = 'sent while the broker is down';
    const messageId = 'restart-message-1';
    const refused = await postTurn(api, sessionId, text, messageId).result;
    const refusedAfterMs = Date.now() - downAt;
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(errorCode(refused), 'SERVICE_UNAVAILABLE');
    assert.ok(refusedAfterMs < refusedWithinMs, `the 503 took ${refusedAfterMs} ms`);
    const during = await getSession(api, sessionId);
    assert.deepEqual(during.messages, before.messages, 'the refused message was kept');
    assert.equal(during.active_stream, null);
    await waitUntilNoSessionActive(api, noSessionRunningBoundMs);
    await sleep(Math.max(0, outageMs - (Date.now() - downAt)));

    const restartingAt = Date.now();
    await broker.restart();
    const upAt = Date.now();

    // A client retries while the processes reconnect; every refused attempt leaves nothing behind.
    let answered = await postTurn(api, sessionId, text, messageId).result;
    while (answered.status === 503 && Date.now() - upAt < reconnectedWithinMs) {
      await sleep(200);
      answered = await postTurn(api, sessionId, text, messageId).result;
    }
    const answeredAfterMs = Date.now() - upAt;
    const retried = checkTurnStream(answered, 'the same message after the restart');
    assert.equal(retried.text, uninterruptedAnswer(text, defaultWords));
    await assertSettledEverywhere(probe, api, sessionId, retried, 'completed');
    const messages = (await getSession(api, sessionId)).messages;
    assert.deepEqual(
      messages.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
    assert.equal(messages[2]?.id, messageId);
    assert.ok(answeredAfterMs < reconnectedWithinMs, `answered ${answeredAfterMs} ms after`);

    await waitFor(
      async () =>
        (await broker.consumersOf(`${cluster.keyPrefix}.turns`)) === cluster.executors.length,
      {
        timeoutMs: Math.max(0, reconnectedWithinMs - (Date.now() - upAt)),
        intervalMs: 200,
        message: `every executor consumes again within ${reconnectedWithinMs} ms`,
      },
    );
    const consumingAfterMs = Date.now() - upAt;
    // Stop reaches an executor through its own cancel queue, which it binds again after the
    // restart on its own schedule: an executor takes no job before it is bound, so a Stop right
    // after consumers are back still reaches every one of them.
    await assertStopReachesEveryExecutor(cluster, probe, longText, cancelForceCloseMs);

    await waitUntilNoSessionActive(api, noSessionRunningBoundMs);
    assertAllProcessesAlive(cluster);
    context.diagnostic(
      `stop took ${downAt - stoppingAt} ms, boot ${upAt - restartingAt} ms; 503 after ` +
        `${refusedAfterMs} ms; answered ${answeredAfterMs} ms and every executor consuming ` +
        `${consumingAfterMs} ms after the broker was back`,
    );
  });
});
