import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor } from '../support/tokens.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { readTurnStream } from './sse-events.ts';

interface SessionPage extends SessionDetail {
  has_more_messages: boolean;
  oldest_sequence: number | null;
  total_prompt_tokens: number;
  total_completion_tokens: number;
}

interface Usage {
  inputTokens: number;
  outputTokens: number;
}

describe('session history pages', { timeout: 60_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  let token: string;
  /** A session with four finished exchanges (eight messages), shared by the read-only tests. */
  let sessionId: string;
  let everything: SessionPage;

  const read = async (id: string, query = '') =>
    expectJson<SessionPage>(await api.call('GET', `/api/chat/sessions/${id}${query}`, { token }));

  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret, DEMO_SLOW_SILENCE_MS: '10000' });
    api = createApiClient(server);
    token = await tokenFor('pages-user');
    sessionId = await api.createSession(token);
    for (let index = 1; index <= 4; index += 1) {
      const words = `question ${index} ${'word '.repeat(index)}[demo:words=${index + 2}]`;
      await readTurnStream(await api.postMessage(sessionId, words, { token }));
    }
    everything = await read(sessionId);
  });
  after(() => server.close());

  it('answers every message without paging parameters, with nothing older left', () => {
    assert.equal(everything.messages.length, 8);
    assert.deepEqual(
      everything.messages.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user', 'assistant'],
    );
    assert.equal(everything.has_more_messages, false);
    assert.equal(typeof everything.oldest_sequence, 'number');
  });

  it('answers the newest page first, oldest first within it, and follows oldest_sequence back', async () => {
    const newest = await read(sessionId, '?limit=3');
    assert.deepEqual(newest.messages, everything.messages.slice(5));
    assert.equal(newest.has_more_messages, true);
    const middle = await read(sessionId, `?limit=3&before_sequence=${newest.oldest_sequence}`);
    assert.deepEqual(middle.messages, everything.messages.slice(2, 5));
    assert.equal(middle.has_more_messages, true);
    const first = await read(sessionId, `?limit=3&before_sequence=${middle.oldest_sequence}`);
    assert.deepEqual(first.messages, everything.messages.slice(0, 2));
    assert.equal(first.has_more_messages, false);
    assert.equal(first.oldest_sequence, everything.oldest_sequence);
    for (const page of [newest, middle, first]) {
      assert.equal(page.id, sessionId);
      assert.equal(page.title, everything.title);
      assert.equal(page.total_prompt_tokens, everything.total_prompt_tokens);
    }
  });

  it('pages 50 at a time when only before_sequence is given', async () => {
    const long = await api.createSession(token);
    const store = server.runtime.api.store;
    // Sixty stored messages without running sixty turns: the store's own writes, as a turn's.
    for (let index = 0; index < 30; index += 1) {
      const { turn } = await store.startTurn({
        sessionId: long,
        userMessage: {
          id: `long-user-${index}`,
          role: 'user',
          parts: [{ type: 'text', text: 'q' }],
        },
        turnId: `long-turn-${index}`,
        assistantMessageId: `long-answer-${index}`,
      });
      await store.finishTurn({
        turnId: turn.id,
        status: 'completed',
        error: null,
        assistantMessage: { id: turn.assistantMessageId, role: 'assistant', parts: [] },
        usage: null,
      });
    }
    const all = await read(long);
    assert.equal(all.messages.length, 60);
    const newest = await read(long, '?limit=1');
    const rest = await read(long, `?before_sequence=${newest.oldest_sequence}`);
    assert.deepEqual(rest.messages, all.messages.slice(9, 59));
    assert.equal(rest.has_more_messages, true);
    const whole = await read(long, '?limit=200');
    assert.deepEqual(whole.messages, all.messages);
    assert.equal(whole.has_more_messages, false);
  });

  it('reports the prompt and completion tokens of every turn', async () => {
    const usages = everything.messages
      .filter((message) => message.role === 'assistant')
      .map((message) => (message.metadata as { usage: Usage }).usage);
    assert.equal(usages.length, 4);
    const sum = (key: keyof Usage) => usages.reduce((total, usage) => total + usage[key], 0);
    assert.ok(sum('inputTokens') > 0 && sum('outputTokens') > 0);
    assert.equal(everything.total_prompt_tokens, sum('inputTokens'));
    assert.equal(everything.total_completion_tokens, sum('outputTokens'));
    const fresh = await read(await api.createSession(token));
    assert.equal(fresh.total_prompt_tokens, 0);
    assert.equal(fresh.total_completion_tokens, 0);
    assert.deepEqual(fresh.messages, []);
    assert.equal(fresh.oldest_sequence, null);
    assert.equal(fresh.has_more_messages, false);
  });

  it('refuses out-of-range or malformed paging parameters with 422 VALIDATION_FAILED', async () => {
    for (const [query, parameter] of [
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=ten', 'limit'],
      ['limit=', 'limit'],
      ['before_sequence=0', 'before_sequence'],
      ['before_sequence=-3', 'before_sequence'],
      ['before_sequence=2147483648', 'before_sequence'],
      ['before_sequence=1e400', 'before_sequence'],
      ['before_sequence=abc', 'before_sequence'],
      ['limit=10&before_sequence=', 'before_sequence'],
    ]) {
      const response = await api.call('GET', `/api/chat/sessions/${sessionId}?${query}`, {
        token,
      });
      const body = await expectError(response, 422, 'VALIDATION_FAILED');
      assert.deepEqual(
        (body.error.details as { path: string }[]).map((detail) => detail.path),
        [parameter],
        query,
      );
    }
    const largest = await read(sessionId, '?limit=2&before_sequence=2147483647');
    assert.deepEqual(largest.messages, everything.messages.slice(6));
  });

  it('shows the running turn on the newest page only', async () => {
    const busy = await api.createSession(token);
    await readTurnStream(await api.postMessage(busy, 'first [demo:words=2]', { token }));
    const posting = await api.postMessage(busy, 'wait for it [demo:slow]', {
      token,
      messageId: 'paged-running-message',
    });
    const turnId = await api.waitForRunningTurn(busy);
    const newest = await read(busy, '?limit=1');
    assert.equal(newest.active_stream?.turn_id, turnId);
    assert.deepEqual(
      newest.messages.map((message) => message.id),
      ['paged-running-message'],
      'the partial answer is not stored yet',
    );
    const older = await read(busy, `?limit=1&before_sequence=${newest.oldest_sequence}`);
    assert.equal(older.active_stream, null);
    assert.equal(older.messages[0]?.role, 'assistant');
    await expectJson(await api.call('POST', `/api/chat/sessions/${busy}/cancel`, { token }));
    await readTurnStream(posting);
  });

  it("answers another user's session as missing whatever the paging parameters", async () => {
    const stranger = await tokenFor('pages-stranger');
    await expectError(
      await api.call('GET', `/api/chat/sessions/${sessionId}?limit=1&before_sequence=5`, {
        token: stranger,
      }),
      404,
      'SESSION_NOT_FOUND',
    );
  });
});
