import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionDetail,
} from './api-client.ts';
import { answerText, readTurnStream, wordCount } from './sse-events.ts';

describe('GET /api/chat/sessions/:id/stream and POST …/cancel', { timeout: 30_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({ DEMO_SLOW_SILENCE_MS: '400' });
    api = createApiClient(server);
  });
  after(() => server.close());

  const streamPath = (id: string) => `/api/chat/sessions/${id}/stream`;
  const cancel = async (id: string) =>
    expectJson<{ cancelled: boolean; reason?: string }>(
      await api.call('POST', `/api/chat/sessions/${id}/cancel`),
    );
  /** Waits until the turn's log holds `count` text deltas (the answer is under way). */
  const waitForTextDeltas = (turnId: string, count: number) =>
    waitFor(async () => {
      const chunks = await server.runtime.api.registry.readAll(turnId);
      return chunks.filter((entry) => entry.chunk.type === 'text-delta').length >= count;
    });

  it('answers 204 with an empty body when no turn runs', async () => {
    const id = await api.createSession();
    const idle = await api.call('GET', streamPath(id));
    assert.equal(idle.status, 204);
    assert.equal(await idle.text(), '');
    await readTurnStream(await api.postMessage(id, 'quick [demo:words=3]'));
    const afterTurn = await api.call('GET', streamPath(id), {
      headers: { 'last-event-id': 'not even a cursor' },
    });
    assert.equal(afterTurn.status, 204, 'a finished turn is not re-attached');
    assert.equal(await afterTurn.text(), '');
  });

  it('replays the active turn from its first chunk, identical to what the POST delivered', async () => {
    const id = await api.createSession();
    const posting = await api.postMessage(id, 'replay me [demo:slow] [demo:words=8]');
    await api.waitForRunningTurn(id);
    const [posted, attached] = await Promise.all([
      readTurnStream(posting),
      readTurnStream(await api.call('GET', streamPath(id))),
    ]);
    assert.equal(attached.turnId, posted.turnId);
    assert.deepEqual(attached.events, posted.events);
    assert.equal(attached.chunks[0]?.type, 'start');
    assert.equal(wordCount(answerText(attached.chunks)), 8);
  });

  it('resumes strictly after a Last-Event-ID or ?after= cursor, without gaps or duplicates', async () => {
    const id = await api.createSession();
    const posting = await api.postMessage(id, 'resume me [demo:slow] [demo:words=10]');
    const turnId = await api.waitForRunningTurn(id);
    await waitForTextDeltas(turnId, 2);
    const reached = (await server.runtime.api.registry.getActiveTurn(id))?.lastPosition ?? 0;
    const cursors = Array.from({ length: 12 }, (_, index) =>
      index < 2 ? ([0, reached][index] ?? 0) : Math.floor(Math.random() * (reached + 1)),
    );
    const requests = cursors.map((cursor, index) => {
      const style = index % 3;
      if (style === 0)
        return api.call('GET', streamPath(id), {
          headers: { 'last-event-id': `${turnId}:${cursor}` },
        });
      if (style === 1) return api.call('GET', `${streamPath(id)}?after=${turnId}:${cursor}`);
      return api.call('GET', `${streamPath(id)}?after=${cursor}`);
    });
    const full = await readTurnStream(posting);
    const resumed = await Promise.all(
      (await Promise.all(requests)).map((response, index) =>
        readTurnStream(response, cursors[index]),
      ),
    );
    resumed.forEach((stream, index) => {
      assert.equal(stream.turnId, turnId);
      assert.deepEqual(
        stream.events,
        full.events.slice(cursors[index]),
        `cursor ${cursors[index]}`,
      );
    });
  });

  it('refuses a cursor of another turn or beyond the end with 409 CURSOR_OUT_OF_RANGE', async () => {
    const id = await api.createSession();
    const earlier = await readTurnStream(await api.postMessage(id, 'earlier [demo:words=3]'));
    const posting = await api.postMessage(id, 'later [demo:slow] [demo:words=4]');
    const turnId = await api.waitForRunningTurn(id);
    const outOfRange = [
      { 'last-event-id': `${earlier.turnId}:1` },
      { 'last-event-id': `${turnId}:999999` },
      { 'last-event-id': '999999' },
      { 'last-event-id': `${crypto.randomUUID()}:1` },
    ];
    for (const headers of outOfRange) {
      await expectError(
        await api.call('GET', streamPath(id), { headers }),
        409,
        'CURSOR_OUT_OF_RANGE',
      );
    }
    await expectError(
      await api.call('GET', `${streamPath(id)}?after=${turnId}:999999`),
      409,
      'CURSOR_OUT_OF_RANGE',
    );
    await readTurnStream(posting);
  });

  it('refuses a malformed cursor with 400 INVALID_CURSOR', async () => {
    const id = await api.createSession();
    const posting = await api.postMessage(id, 'cursor games [demo:slow] [demo:words=4]');
    const turnId = await api.waitForRunningTurn(id);
    const malformed = [
      'abc',
      '-1',
      '1.5',
      `${turnId}:`,
      `${turnId}:x`,
      'a/b:1',
      '1e3',
      `:${'9'.repeat(20)}`,
    ];
    for (const cursor of malformed) {
      await expectError(
        await api.call('GET', streamPath(id), { headers: { 'last-event-id': cursor } }),
        400,
        'INVALID_CURSOR',
      );
      await expectError(
        await api.call('GET', `${streamPath(id)}?after=${encodeURIComponent(cursor)}`),
        400,
        'INVALID_CURSOR',
      );
    }
    await readTurnStream(posting);
  });

  it('answers a cancel without a running turn with cancelled and reason no_active_session', async () => {
    const id = await api.createSession();
    assert.deepEqual(await cancel(id), { cancelled: true, reason: 'no_active_session' });
    await readTurnStream(await api.postMessage(id, 'done [demo:words=3]'));
    assert.deepEqual(await cancel(id), { cancelled: true, reason: 'no_active_session' });
  });

  it('cancels a running turn: it ends as a stop for every reader and keeps the partial answer', async () => {
    const id = await api.createSession();
    const posting = await api.postMessage(id, 'stop me [demo:slow] [demo:words=10]');
    const turnId = await api.waitForRunningTurn(id);
    await waitForTextDeltas(turnId, 2);
    const attached = await api.call('GET', streamPath(id));
    const startedAt = Date.now();
    assert.deepEqual(await cancel(id), { cancelled: true });
    assert.ok(Date.now() - startedAt < 2_000, 'a cancel is confirmed quickly');
    assert.equal((await server.runtime.api.registry.getTurn(turnId))?.status, 'cancelled');
    const [posted, other] = await Promise.all([readTurnStream(posting), readTurnStream(attached)]);
    assert.deepEqual(other.events, posted.events);
    assert.equal(posted.chunks.at(-1)?.type, 'abort');
    const partial = answerText(posted.chunks);
    assert.ok(wordCount(partial) >= 2 && wordCount(partial) < 10, partial);

    const session = await expectJson<SessionDetail>(
      await api.call('GET', `/api/chat/sessions/${id}`),
    );
    assert.equal(session.active_stream, null);
    const stored = session.messages[1]?.parts.map((part) => part.text ?? '').join('');
    assert.equal(stored, partial);
    assert.equal((await api.call('GET', streamPath(id))).status, 204);
    assert.deepEqual(await cancel(id), { cancelled: true, reason: 'no_active_session' });
  });

  it('takes concurrent cancels of one turn; each answers cancelled and the turn ends once', async () => {
    const id = await api.createSession();
    const posting = await api.postMessage(id, 'double stop [demo:slow]');
    const turnId = await api.waitForRunningTurn(id);
    const cancelledTurns = async () =>
      (await server.runtime.api.metrics.turnsFinished.get()).values.find(
        (value) => value.labels.outcome === 'cancelled',
      )?.value ?? 0;
    const cancelledBefore = await cancelledTurns();
    const answers = await Promise.all([cancel(id), cancel(id), cancel(id)]);
    assert.ok(answers.every((answer) => answer.cancelled === true));
    const stream = await readTurnStream(posting);
    assert.equal(stream.chunks.filter((chunk) => chunk.type === 'abort').length, 1);
    assert.equal((await server.runtime.api.registry.getTurn(turnId))?.status, 'cancelled');
    await waitFor(async () => (await cancelledTurns()) === cancelledBefore + 1);
    assert.equal(await cancelledTurns(), cancelledBefore + 1, 'the turn ended exactly once');
  });

  it('answers 404 SESSION_NOT_FOUND for the stream and cancel routes of an unknown session', async () => {
    const missing = crypto.randomUUID();
    await expectError(await api.call('GET', streamPath(missing)), 404, 'SESSION_NOT_FOUND');
    await expectError(
      await api.call('POST', `/api/chat/sessions/${missing}/cancel`),
      404,
      'SESSION_NOT_FOUND',
    );
  });
});
