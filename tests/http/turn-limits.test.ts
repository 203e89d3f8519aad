import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Cluster, Redis } from 'ioredis';
import { clusterClient, type RedisCluster, startRedisCluster } from '../support/redis-cluster.ts';
import { deleteKeys, redisUrl } from '../support/redis-test-support.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';
import { visitorCookieHeader, visitorKeyFor } from '../support/visitor-keys.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { readTurnStream } from './sse-events.ts';

/** Answers that run until the test cancels them: 2000 words, 50 ms apart. */
const longAnswers = { DEMO_TOKEN_DELAY_MS: '50', DEMO_ANSWER_WORDS: '2000' };

describe('per-user running turns (MAX_RUNNING_TURNS_PER_USER)', () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({
      JWT_SECRET: testJwtSecret,
      MAX_RUNNING_TURNS_PER_USER: '5',
      ...longAnswers,
    });
    api = createApiClient(server);
  });
  after(() => server.close());

  it('refuses the 6th unfinished turn of one user with 429 and Retry-After, leaves other users alone, and frees a slot when a turn ends', async () => {
    const token = await tokenFor(userA);
    const sessions: string[] = [];
    for (let index = 0; index < 6; index += 1) sessions.push(await api.createSession(token));
    for (const sessionId of sessions.slice(0, 5)) {
      const response = await api.postMessage(sessionId, 'a long answer please', { token });
      assert.equal(response.status, 200);
      // The turn runs on without a reader; only the response is let go.
      await response.body?.cancel();
    }
    const sixth = sessions[5] as string;
    const refused = await api.postMessage(sixth, 'one more', { token });
    assert.equal(refused.headers.get('retry-after'), '5');
    await expectError(refused, 429, 'TOO_MANY_RUNNING_TURNS');
    const untouched = await expectJson<SessionDetail>(
      await api.call('GET', `/api/chat/sessions/${sixth}`, { token }),
    );
    assert.deepEqual(untouched.messages, [], 'the refused message is not stored');
    assert.equal(untouched.active_stream, null);

    const other = await tokenFor(userB);
    const otherAnswer = await api.postMessage(await api.createSession(other), 'hi', {
      token: other,
    });
    assert.equal(otherAnswer.status, 200, "another user's turn starts");
    await otherAnswer.body?.cancel();

    await expectJson(await api.call('POST', `/api/chat/sessions/${sessions[0]}/cancel`, { token }));
    const now = await api.postMessage(sixth, 'one more', { token });
    assert.equal(now.status, 200, 'a stopped turn no longer counts');
    await now.body?.cancel();

    for (const sessionId of sessions) {
      await api.call('POST', `/api/chat/sessions/${sessionId}/cancel`, { token });
    }
  });
});

describe('a completed answer frees its running-turn slot', () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret, MAX_RUNNING_TURNS_PER_USER: '1' });
    api = createApiClient(server);
  });
  after(() => server.close());

  it('starts the next turn once the answer has ended, and refuses one while it runs', async () => {
    const token = await tokenFor(userA);
    const first = await api.createSession(token);
    const second = await api.createSession(token);
    await readTurnStream(await api.postMessage(first, 'a short answer', { token }));
    const held = await api.postMessage(second, 'a long one [demo:words=100000]', { token });
    assert.equal(held.status, 200, 'the ended turn left the slot free');
    await held.body?.cancel();
    await expectError(
      await api.postMessage(first, 'and another', { token }),
      429,
      'TOO_MANY_RUNNING_TURNS',
    );
    await api.call('POST', `/api/chat/sessions/${second}/cancel`, { token });
  });
});

describe('running turns of callers without a user (anonymous mode)', () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({ MAX_RUNNING_TURNS_PER_USER: '1', ...longAnswers });
    api = createApiClient(server);
  });
  after(() => server.close());

  it('counts a visitor and a cookieless caller per session, not across their sessions', async () => {
    const visitor = { headers: visitorCookieHeader(visitorKeyFor(`limits-${randomUUID()}`)) };
    const sessions: string[] = [];
    for (const options of [visitor, visitor, {}, {}]) {
      const created = await expectJson<{ id: string }>(
        await api.call('POST', '/api/chat/sessions', options),
      );
      const response = await api.call('POST', `/api/chat/sessions/${created.id}/stream`, {
        ...options,
        json: { message: 'a long answer please', is_user_message: true },
      });
      assert.equal(response.status, 200, 'each session has a running turn of its own');
      await response.body?.cancel();
      sessions.push(created.id);
    }
    for (const [index, sessionId] of sessions.entries()) {
      await api.call('POST', `/api/chat/sessions/${sessionId}/cancel`, index < 2 ? visitor : {});
    }
  });
});

describe('the per-caller message rate (MESSAGES_PER_MINUTE, MESSAGE_BURST)', () => {
  it('is off by default: a caller sends message after message', async () => {
    const server = await startTestServer({ JWT_SECRET: testJwtSecret });
    try {
      const api = createApiClient(server);
      const token = await tokenFor(userA);
      const sessionId = await api.createSession(token);
      for (let index = 0; index < 12; index += 1) {
        await readTurnStream(await api.postMessage(sessionId, `message ${index}`, { token }));
      }
    } finally {
      await server.close();
    }
  });

  it('refuses a message beyond the burst with 429 MESSAGE_RATE_LIMITED and Retry-After, per user', async () => {
    const server = await startTestServer({
      JWT_SECRET: testJwtSecret,
      MESSAGES_PER_MINUTE: '1',
      MESSAGE_BURST: '2',
    });
    try {
      const api = createApiClient(server);
      const token = await tokenFor(userA);
      const sessionId = await api.createSession(token);
      await readTurnStream(await api.postMessage(sessionId, 'one', { token }));
      await readTurnStream(await api.postMessage(sessionId, 'two', { token }));
      const refused = await api.postMessage(sessionId, 'three', { token });
      const retryAfter = Number(refused.headers.get('retry-after'));
      // Two messages per window of two minutes; the window began a moment ago.
      assert.ok(retryAfter > 100 && retryAfter <= 120, `Retry-After ${retryAfter}`);
      await expectError(refused, 429, 'MESSAGE_RATE_LIMITED');
      const stored = await expectJson<SessionDetail>(
        await api.call('GET', `/api/chat/sessions/${sessionId}`, { token }),
      );
      assert.equal(stored.messages.length, 4, 'the refused message is not stored');

      const other = await tokenFor(userB);
      await readTurnStream(
        await api.postMessage(await api.createSession(other), 'hi', { token: other }),
      );
    } finally {
      await server.close();
    }
  });
});

for (const deployment of ['standalone', 'cluster'] as const) {
  const name = deployment === 'cluster' ? 'a Redis Cluster (3 masters)' : 'one Redis';
  describe(`the message rate shared by two API processes on ${name}`, () => {
    const keyPrefix = `durable-chat-test-${randomUUID()}`;
    let redis: Redis | Cluster;
    let redisCluster: RedisCluster | undefined;
    const servers: TestServer[] = [];
    before(async () => {
      let environment: Record<string, string> = { REDIS_URL: redisUrl };
      if (deployment === 'cluster') {
        redisCluster = await startRedisCluster();
        redis = clusterClient(redisCluster);
        environment = { REDIS_URL: redisCluster.seedUrl, REDIS_CLUSTER: 'true' };
      } else {
        redis = new Redis(redisUrl, { lazyConnect: true });
      }
      for (let index = 0; index < 2; index += 1) {
        servers.push(
          await startTestServer({
            ...environment,
            JWT_SECRET: testJwtSecret,
            KEY_PREFIX: keyPrefix,
            MESSAGES_PER_MINUTE: '3',
          }),
        );
      }
    });
    after(async () => {
      for (const server of servers) await server.close();
      if (redisCluster) {
        redis.disconnect();
        await redisCluster.stop();
        return;
      }
      await deleteKeys(redis as Redis, keyPrefix);
      redis.disconnect();
    });

    it('spends one count per user whichever process takes the message', async () => {
      const [first, second] = servers.map((server) => createApiClient(server)) as [
        ApiClient,
        ApiClient,
      ];
      const token = await tokenFor(userA);
      const onFirst = await first.createSession(token);
      const onSecond = await second.createSession(token);
      await readTurnStream(await first.postMessage(onFirst, 'one', { token }));
      await readTurnStream(await second.postMessage(onSecond, 'two', { token }));
      await readTurnStream(await first.postMessage(onFirst, 'three', { token }));
      for (const [api, sessionId] of [
        [first, onFirst],
        [second, onSecond],
      ] as const) {
        const refused = await api.postMessage(sessionId, 'four', { token });
        const retryAfter = Number(refused.headers.get('retry-after'));
        assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
        await expectError(refused, 429, 'MESSAGE_RATE_LIMITED');
      }
      assert.equal(await redis.get(`${keyPrefix}:message-rate:user:${userA}`), '5');

      const other = await tokenFor(userB);
      await readTurnStream(
        await second.postMessage(await second.createSession(other), 'hi', { token: other }),
      );
    });
  });
}
