import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DurableChatApiError,
  DurableChatClient,
  DurableChatConnectionError,
  type ReconnectAttempt,
  type TurnStreamEvent,
} from '../../src/client/index.ts';
import type { TestServer } from '../support/start-test-server.ts';
import type { TcpFaultProxy } from '../support/tcp-fault-proxy.ts';
import { testJwtSecret, tokenFor, userA } from '../support/tokens.ts';
import { waitFor } from '../support/wait-for.ts';
import { ByteCuttingProxy } from './support/byte-cutting-proxy.ts';
import { type ProxiedTestServer, startProxiedTestServer } from './support/proxied-test-server.ts';

interface RecordedRequest {
  method: string;
  at: number;
}

/** A fetch that records every request the client makes, through `baseUrl`'s server. */
function recordingFetch(requests: RecordedRequest[]): typeof fetch {
  return (input, init) => {
    requests.push({ method: init?.method ?? 'GET', at: performance.now() });
    return fetch(input, init);
  };
}

async function turnStatus(server: TestServer, turnId: string): Promise<string | undefined> {
  return (await server.runtime.api.store.getTurn(turnId))?.status;
}

describe('the resumable reader: backoff, abort, 204 and refusals', () => {
  let fixture: ProxiedTestServer;
  let server: TestServer;
  let proxy: TcpFaultProxy;
  let direct: DurableChatClient;
  before(async () => {
    fixture = await startProxiedTestServer({ DEMO_TOKEN_DELAY_MS: '3' });
    ({ server, proxy, direct } = fixture);
  });
  after(() => fixture.close());

  it('retries as configured, spaced by doubling delays, then gives up with a clear error; the turn runs on', async () => {
    proxy.comeBack();
    const requests: RecordedRequest[] = [];
    const attempts: ReconnectAttempt[] = [];
    const flaky = new DurableChatClient({
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      fetch: recordingFetch(requests),
    });
    const { id } = await direct.createSession();
    const stream = await flaky.sendMessage(id, 'a long answer [demo:words=300]', {
      reconnect: { retries: 3, initialDelayMs: 40, factor: 2 },
      onReconnect: (attempt) => attempts.push(attempt),
    });
    const received: TurnStreamEvent[] = [];
    let droppedAt = 0;
    const error = await (async () => {
      try {
        for await (const event of stream) {
          received.push(event);
          if (received.length === 5) {
            droppedAt = performance.now();
            proxy.goDown(); // the server stays away from now on
          }
        }
      } catch (failure) {
        return failure;
      }
      return undefined;
    })();
    assert.ok(error instanceof DurableChatConnectionError, `got ${error}`);
    assert.ok(error instanceof TypeError, 'a network failure, as fetch reports one');
    assert.equal(error.attempts, 3);
    assert.match(error.message, /gave up after 3 reconnect attempts/);
    assert.deepEqual(
      attempts.map(({ attempt, delayMs }) => [attempt, delayMs]),
      [
        [1, 40],
        [2, 80],
        [3, 160],
      ],
    );
    // Events already on their way when the link died are delivered too; every attempt resumes
    // after the last one.
    assert.ok(received.length >= 5);
    assert.ok(attempts.every((attempt) => attempt.after?.position === received.length));
    const retries = requests.slice(1);
    assert.deepEqual(
      retries.map((request) => request.method),
      ['GET', 'GET', 'GET'],
      'the POST once, then one GET per attempt',
    );
    // Each attempt waits at least its delay after the previous failure (1 ms timer slack).
    let previous = droppedAt;
    for (const [index, request] of retries.entries()) {
      assert.ok(
        request.at - previous >= [40, 80, 160][index]! - 1,
        `attempt ${index + 1} came ${request.at - previous} ms after the previous failure`,
      );
      previous = request.at;
    }
    const turnId = received[0]!.turnId;
    assert.equal(await turnStatus(server, turnId), 'running', 'giving up is not a cancel');
    await waitFor(async () => (await turnStatus(server, turnId)) === 'completed', {
      timeoutMs: 20_000,
    });
    proxy.comeBack();
  });

  it('resets its retry budget after progress: one retry allowed, many drops survived', async () => {
    const { hostname, port } = new URL(server.baseUrl);
    // Every connection delivers a few events, then dies.
    const cutting = await ByteCuttingProxy.start({ host: hostname, port: Number(port) }, () =>
      Math.floor(1200 + Math.random() * 1500),
    );
    try {
      const flaky = new DurableChatClient({ baseUrl: cutting.baseUrl });
      const { id } = await direct.createSession();
      const stream = await flaky.sendMessage(id, 'long enough [demo:words=200]', {
        reconnect: { retries: 1, initialDelayMs: 1 },
      });
      const positions: number[] = [];
      for await (const event of stream) positions.push(event.position);
      assert.ok(cutting.cuts > 3, `only ${cutting.cuts} cuts`);
      assert.deepEqual(
        positions,
        positions.map((_position, index) => index + 1),
      );
      assert.equal(
        positions.length,
        (await server.runtime.api.registry.readAll(stream.cursor!.turnId)).length,
      );
    } finally {
      await cutting.close();
    }
  });

  it('an abort stops reading at once and never reconnects; the turn keeps running', async () => {
    const requests: RecordedRequest[] = [];
    const client = new DurableChatClient({
      baseUrl: server.baseUrl,
      fetch: recordingFetch(requests),
    });
    const { id } = await direct.createSession();
    const controller = new AbortController();
    const stream = await client.sendMessage(id, 'keep going [demo:words=300]', {
      signal: controller.signal,
      reconnect: { initialDelayMs: 1 },
    });
    let count = 0;
    await assert.rejects(
      (async () => {
        for await (const _event of stream) {
          count += 1;
          if (count === 5) controller.abort();
        }
      })(),
      { name: 'AbortError' },
    );
    assert.equal(count, 5, 'no event after the abort');
    await sleep(50);
    assert.equal(requests.length, 1, 'no reconnect after an abort');
    const turnId = stream.cursor!.turnId;
    assert.equal(await turnStatus(server, turnId), 'running');
    await waitFor(async () => (await turnStatus(server, turnId)) === 'completed', {
      timeoutMs: 20_000,
    });
  });

  it('an abort during a backoff wait ends the wait at once', async () => {
    const requests: RecordedRequest[] = [];
    const flaky = new DurableChatClient({
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      fetch: recordingFetch(requests),
    });
    const { id } = await direct.createSession();
    const controller = new AbortController();
    const stream = await flaky.sendMessage(id, 'wait [demo:words=300]', {
      signal: controller.signal,
      reconnect: { retries: 5, initialDelayMs: 60_000 },
      onReconnect: () => controller.abort(),
    });
    const started = performance.now();
    await assert.rejects(
      (async () => {
        for await (const event of stream) if (event.position === 3) proxy.cut();
      })(),
      { name: 'AbortError' },
    );
    assert.ok(performance.now() - started < 30_000, 'did not sit out the one-minute backoff');
    assert.equal(requests.length, 1);
    await expectNothingToResumeOnceEnded(id);
  });

  /** Waits until the session's turn is over: then re-attaching answers 204 (null). */
  async function expectNothingToResumeOnceEnded(sessionId: string) {
    await waitFor(async () => (await direct.getSession(sessionId)).active_stream === null, {
      timeoutMs: 20_000,
    });
    assert.equal(await direct.resumeTurn(sessionId), null);
  }

  it('resumeTurn resolves null when no turn runs (204), before and after a turn', async () => {
    const { id } = await direct.createSession();
    assert.equal(await direct.resumeTurn(id), null);
    for await (const _event of await direct.sendMessage(id, 'short [demo:words=3]'));
    assert.equal(await direct.resumeTurn(id), null);
  });

  it('a connection lost just before the end still reads the rest of the ended turn', async () => {
    proxy.comeBack();
    const { id } = await direct.createSession();
    let turnEnded = false;
    const flaky = new DurableChatClient({
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      // Hold every reconnect until the turn is over, as a network that comes back too late.
      fetch: async (input, init) => {
        if (init?.method === 'GET') await waitFor(() => turnEnded, { timeoutMs: 20_000 });
        return fetch(input, init);
      },
    });
    const stream = await flaky.sendMessage(id, 'almost done [demo:words=40]', {
      reconnect: { initialDelayMs: 1 },
    });
    const events: TurnStreamEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (events.length === 4) {
        proxy.cut();
        await waitFor(async () => (await direct.getSession(id)).active_stream === null, {
          timeoutMs: 20_000,
        });
        turnEnded = true;
      }
    }
    const log = await server.runtime.api.registry.readAll(events[0]!.turnId);
    assert.deepEqual(
      events.map(({ position, chunk }) => ({ position, chunk })),
      log,
    );
  });
});

describe('the resumable reader with auth on', () => {
  let fixture: ProxiedTestServer;
  let proxy: TcpFaultProxy;
  before(async () => {
    fixture = await startProxiedTestServer({ JWT_SECRET: testJwtSecret, DEMO_TOKEN_DELAY_MS: '3' });
    ({ proxy } = fixture);
  });
  after(() => fixture.close());

  it('a token refused on reconnect fails the reader with a 401 at once, without retries', async () => {
    const token = await tokenFor(userA);
    let valid = true;
    const requests: RecordedRequest[] = [];
    const client = new DurableChatClient({
      baseUrl: `http://127.0.0.1:${proxy.port}`,
      token: () => (valid ? token : 'revoked'),
      fetch: recordingFetch(requests),
    });
    const { id } = await client.createSession();
    const stream = await client.sendMessage(id, 'long [demo:words=300]', {
      reconnect: { retries: 5, initialDelayMs: 1 },
    });
    let count = 0;
    await assert.rejects(
      (async () => {
        for await (const _event of stream) {
          count += 1;
          if (count === 3) {
            valid = false;
            proxy.cut();
          }
        }
      })(),
      (error: unknown) => {
        assert.ok(error instanceof DurableChatApiError);
        assert.equal(error.status, 401);
        assert.equal(error.code, 'UNAUTHENTICATED');
        return true;
      },
    );
    assert.deepEqual(
      requests.map((request) => request.method),
      ['POST', 'POST', 'GET'],
      'create, send, one refused reconnect',
    );
  });
});
