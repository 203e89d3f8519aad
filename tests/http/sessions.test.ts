import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor } from '../support/tokens.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
  type SessionSummary,
} from './api-client.ts';
import { answerText, readTurnStream } from './sse-events.ts';

interface SessionList {
  sessions: SessionSummary[];
  total: number;
}

describe('session routes', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  let userCount = 0;
  /** A token for a user nobody else uses, so list totals are exact. */
  const freshUser = () => tokenFor(`sessions-user-${++userCount}`);

  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret, DEMO_SLOW_SILENCE_MS: '10000' });
    api = createApiClient(server);
  });
  after(() => server.close());

  const list = async (token: string, query = '') =>
    expectJson<SessionList>(await api.call('GET', `/api/chat/sessions${query}`, { token }));
  const detail = async (token: string, id: string) =>
    expectJson<SessionDetail>(await api.call('GET', `/api/chat/sessions/${id}`, { token }));

  it('creates a session owned by the caller, with no title and no messages', async () => {
    const token = await tokenFor('creator');
    const created = await expectJson<{ id: string; created_at: string; user_id: string | null }>(
      await api.call('POST', '/api/chat/sessions', { token }),
    );
    assert.match(created.id, /^[A-Za-z0-9_-]{1,128}$/);
    assert.equal(created.user_id, 'creator');
    assert.ok(Math.abs(Date.parse(created.created_at) - Date.now()) < 60_000);
    const session = await detail(token, created.id);
    assert.equal(session.id, created.id);
    assert.equal(session.user_id, 'creator');
    assert.equal(session.title, null);
    assert.deepEqual(session.messages, []);
    assert.equal(session.active_stream, null);
  });

  it('lists the most recently updated session first, with the total', async () => {
    const token = await freshUser();
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      ids.push(await api.createSession(token));
      await sleep(5);
    }
    const [first, second, third] = ids as [string, string, string];
    const initial = await list(token);
    assert.equal(initial.total, 3);
    assert.deepEqual(
      initial.sessions.map((session) => session.id),
      [third, second, first],
    );
    await readTurnStream(await api.postMessage(first, 'bump me [demo:words=3]', { token }));
    await sleep(5);
    assert.deepEqual(
      (await list(token)).sessions.map((session) => session.id),
      [first, third, second],
      'a message makes its session the most recently updated',
    );
  });

  it('pages with limit and offset while total counts every session', async () => {
    const token = await freshUser();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      ids.push(await api.createSession(token));
      await sleep(3);
    }
    const newestFirst = ids.toReversed();
    const pages = [
      await list(token, '?limit=2'),
      await list(token, '?limit=2&offset=2'),
      await list(token, '?limit=2&offset=4'),
      await list(token, '?limit=2&offset=6'),
    ];
    assert.deepEqual(
      pages.map((page) => page.total),
      [5, 5, 5, 5],
    );
    assert.deepEqual(
      pages.map((page) => page.sessions.map((session) => session.id)),
      [newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4), []],
    );
  });

  it('flags a session active while its turn runs and shows the active stream in its detail', async () => {
    const token = await freshUser();
    const idle = await api.createSession(token);
    const busy = await api.createSession(token);
    const posting = await api.postMessage(busy, 'wait for it [demo:slow]', {
      token,
      messageId: 'busy-user-message',
    });
    const turnId = await api.waitForRunningTurn(busy);
    const running = await list(token);
    assert.deepEqual(
      Object.fromEntries(running.sessions.map((session) => [session.id, session.active])),
      { [idle]: false, [busy]: true },
    );
    const during = await detail(token, busy);
    assert.equal(during.active_stream?.turn_id, turnId);
    assert.equal(during.active_stream?.last_message_id, 'busy-user-message');
    assert.deepEqual(
      during.messages.map((message) => [message.id, message.role]),
      [['busy-user-message', 'user']],
    );

    await expectJson(await api.call('POST', `/api/chat/sessions/${busy}/cancel`, { token }));
    const stream = await readTurnStream(posting);
    const start = stream.chunks[0];
    assert.equal(start?.type, 'start');
    assert.equal(during.active_stream?.assistant_message_id, start.messageId);
    const finished = await detail(token, busy);
    assert.equal(finished.active_stream, null);
    assert.equal(
      (await list(token)).sessions.every((session) => !session.active),
      true,
    );
  });

  it('stores the conversation; start.messageId is the id of the persisted answer', async () => {
    const token = await freshUser();
    const id = await api.createSession(token);
    const stream = await readTurnStream(
      await api.postMessage(id, 'Hello there [demo:words=7]', { token, messageId: 'hello-1' }),
    );
    const start = stream.chunks[0];
    assert.equal(start?.type, 'start');
    const session = await detail(token, id);
    assert.deepEqual(
      session.messages.map((message) => [message.id, message.role]),
      [
        ['hello-1', 'user'],
        [start.messageId, 'assistant'],
      ],
    );
    assert.deepEqual(session.messages[0]?.parts, [
      { type: 'text', text: 'Hello there [demo:words=7]' },
    ]);
    const persistedText = (session.messages[1]?.parts ?? [])
      .map((part) => (part.type === 'text' ? part.text : ''))
      .join('');
    assert.equal(persistedText, answerText(stream.chunks));
  });

  it('titles a session from its first message and keeps that title on later messages', async () => {
    const token = await freshUser();
    const id = await api.createSession(token);
    await readTurnStream(await api.postMessage(id, 'Plan my trip [demo:words=3]', { token }));
    assert.equal((await detail(token, id)).title, 'Plan my trip [demo:words=3]');
    await readTurnStream(await api.postMessage(id, 'Something else [demo:words=3]', { token }));
    assert.equal((await detail(token, id)).title, 'Plan my trip [demo:words=3]');
    assert.equal((await list(token)).sessions[0]?.title, 'Plan my trip [demo:words=3]');
  });

  it('titles a session from the plain text of a markdown first message', async () => {
    const token = await freshUser();
    const id = await api.createSession(token);
    const message =
      '# Compare **Go** and `Rust`\n\nSee [the list](https://example.com) [demo:words=3]';
    await readTurnStream(await api.postMessage(id, message, { token }));
    assert.equal((await detail(token, id)).title, 'Compare Go and Rust');
  });

  it('cuts the title of a long first message to at most 50 characters', async () => {
    const token = await freshUser();
    const id = await api.createSession(token);
    const long = `${'Please explain in great detail how durable streams work '.repeat(4)}[demo:words=3]`;
    await readTurnStream(await api.postMessage(id, long, { token }));
    const title = (await detail(token, id)).title ?? '';
    assert.ok(title.length > 10 && title.length <= 50, `title ${JSON.stringify(title)}`);
    assert.ok(long.startsWith(title.replace(/…$/, '')), `title ${JSON.stringify(title)}`);
  });

  it('renames a session; a rename overrides the automatic title and survives new messages', async () => {
    const token = await freshUser();
    const id = await api.createSession(token);
    await readTurnStream(await api.postMessage(id, 'first words [demo:words=3]', { token }));
    const renamed = await expectJson<{ status: string; id: string; title: string }>(
      await api.call('PATCH', `/api/chat/sessions/${id}/title`, {
        token,
        json: { title: '  My trip  ' },
      }),
    );
    assert.deepEqual(renamed, { status: 'ok', id, title: 'My trip' });
    await readTurnStream(await api.postMessage(id, 'more words [demo:words=3]', { token }));
    assert.equal((await detail(token, id)).title, 'My trip');
  });

  it('refuses a blank or missing title with 422 VALIDATION_FAILED and keeps the old one', async () => {
    const token = await freshUser();
    const id = await api.createSession(token);
    for (const json of [
      { title: '' },
      { title: '   ' },
      {},
      { title: 7 },
      { title: 'x'.repeat(201) },
    ]) {
      const response = await api.call('PATCH', `/api/chat/sessions/${id}/title`, { token, json });
      await expectError(response, 422, 'VALIDATION_FAILED');
    }
    assert.equal((await detail(token, id)).title, null);
  });

  it('deletes a session with 204 and an empty body; it and its messages are gone', async () => {
    const token = await freshUser();
    const id = await api.createSession(token);
    await readTurnStream(await api.postMessage(id, 'remember me [demo:words=3]', { token }));
    const response = await api.call('DELETE', `/api/chat/sessions/${id}`, { token });
    assert.equal(response.status, 204);
    assert.equal(await response.text(), '');
    await expectError(
      await api.call('GET', `/api/chat/sessions/${id}`, { token }),
      404,
      'SESSION_NOT_FOUND',
    );
    assert.deepEqual(await server.runtime.api.store.listMessages(id), []);
    assert.equal((await list(token)).total, 0);
    await expectError(
      await api.call('DELETE', `/api/chat/sessions/${id}`, { token }),
      404,
      'SESSION_NOT_FOUND',
    );
  });

  it('deleting a session while its turn runs stops the turn', async () => {
    const token = await freshUser();
    const id = await api.createSession(token);
    const posting = await api.postMessage(id, 'never finishes [demo:slow]', { token });
    const turnId = await api.waitForRunningTurn(id);
    const response = await api.call('DELETE', `/api/chat/sessions/${id}`, { token });
    assert.equal(response.status, 204);
    const turn = await server.runtime.api.registry.getTurn(turnId);
    assert.equal(turn?.status, 'cancelled');
    assert.equal(await server.runtime.api.registry.getActiveTurn(id), null);
    await expectError(
      await api.call('GET', `/api/chat/sessions/${id}/stream`, { token }),
      404,
      'SESSION_NOT_FOUND',
    );
    const stream = await readTurnStream(posting);
    assert.equal(stream.chunks.at(-1)?.type, 'abort', 'the open stream ends as a stop');
    assert.deepEqual(await server.runtime.api.store.listMessages(id), []);
  });
});
