import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readSse, type SseReadResult } from '../support/read-sse.ts';
import { createPgliteSqlClient } from '../../src/store/pglite-sql-client.ts';
import { SqlChatStore } from '../../src/store/sql-chat-store.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createSession } from '../support/test-chat.ts';
import {
  checkSettledTurn,
  checkTurnStream,
  postCancel,
  postMessage,
  randomDelay,
  runLanes,
  uninterruptedAnswer,
} from './race-support.ts';

const iterations = 200;
const lanes = 8;
const answerWords = 20;

describe('two stream POSTs at once on one session', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      DEMO_TOKEN_DELAY_MS: '1',
      // A [demo:slow] answer says nothing for a minute: it runs until the test stops it, however
      // slowly a loaded machine serves the test's requests.
      DEMO_SLOW_SILENCE_MS: '60000',
      DEMO_ANSWER_WORDS: String(answerWords),
      TURN_CONCURRENCY: String(lanes * 2),
    });
  });
  after(() => server.close());

  /**
   * Fires two POSTs, the second after a random 0–3 ms, and returns both results in order. With
   * `stopOnceAnswered` (for answers too long to end on their own), Stop ends the running turn once
   * both POSTs have been answered: the two then always overlap, however long either request waits
   * on a loaded machine, and the loop stays quick.
   */
  async function postTwice(
    sessionId: string,
    first: { id: string; text: string; multitask?: string },
    second: { id: string; text: string; multitask?: string },
    { stopOnceAnswered = false } = {},
  ): Promise<{ results: [SseReadResult, SseReadResult]; gapMs: number }> {
    const gapMs = randomDelay(3);
    let answered = 0;
    let bothAnswered: () => void = () => undefined;
    const answeredTwice = new Promise<void>((resolve) => {
      bothAnswered = resolve;
    });
    const onResponse = () => {
      answered += 1;
      if (answered === 2) bothAnswered();
    };
    const posting = postMessage(server.baseUrl, sessionId, first, { onResponse });
    await sleep(gapMs);
    const postingAgain = postMessage(server.baseUrl, sessionId, second, { onResponse });
    if (stopOnceAnswered) {
      await answeredTwice;
      assert.equal((await postCancel(server.baseUrl, sessionId)).status, 200);
    }
    return { results: await Promise.all([posting, postingAgain]), gapMs };
  }

  it('rejecting, with different message ids: one answered stream, one 409 TURN_ALREADY_ACTIVE naming the winner', async () => {
    const sessions = await Promise.all(
      Array.from({ length: lanes }, () => createSession(server.baseUrl)),
    );
    await runLanes(iterations, lanes, async (index, lane) => {
      const sessionId = sessions[lane] as string;
      const messages = [
        { id: `m-${index}-a`, text: `first ${index} [demo:slow]`, multitask: 'reject' },
        { id: `m-${index}-b`, text: `second ${index} [demo:slow]`, multitask: 'reject' },
      ] as const;
      const before = await server.runtime.api.store.listMessages(sessionId);
      const { results, gapMs } = await postTwice(sessionId, messages[0], messages[1], {
        stopOnceAnswered: true,
      });
      const label = `iteration ${index} (session ${sessionId}, second POST after ${gapMs} ms)`;
      const statuses = results.map((result) => result.status).sort();
      assert.deepEqual(statuses, [200, 409], `${label}: statuses ${statuses}`);
      const winnerIndex = results[0].status === 200 ? 0 : 1;
      const winner = results[winnerIndex] as SseReadResult;
      const loser = results[1 - winnerIndex] as SseReadResult;
      const stream = checkTurnStream(winner, label);
      assert.equal(stream.status, 'cancelled', label);
      assert.ok(
        uninterruptedAnswer(messages[winnerIndex].text, answerWords).startsWith(stream.text),
        `${label}: the winner streamed its own answer`,
      );
      assert.deepEqual(
        loser.body,
        {
          error: {
            code: 'TURN_ALREADY_ACTIVE',
            message: (loser.body as { error: { message: string } }).error.message,
            details: { turn_id: stream.turnId },
          },
        },
        `${label}: the 409 names the running turn`,
      );
      await checkSettledTurn(server, sessionId, stream, label);
      const turn = await server.runtime.api.store.getTurn(stream.turnId);
      const added = (await server.runtime.api.store.listMessages(sessionId)).slice(before.length);
      assert.deepEqual(
        added.map((message) => [message.id, message.role]),
        [
          [messages[winnerIndex].id, 'user'],
          [turn?.assistantMessageId, 'assistant'],
        ],
        `${label}: exactly the winner's question and its one answer were added`,
      );
    });
  });

  it('with the same message id: both streams carry the same one turn, chunk for chunk', async () => {
    const sessions = await Promise.all(
      Array.from({ length: lanes }, () => createSession(server.baseUrl)),
    );
    await runLanes(iterations, lanes, async (index, lane) => {
      const sessionId = sessions[lane] as string;
      const message = { id: `m-${index}-same`, text: `twice ${index} [demo:words=12]` };
      const before = await server.runtime.api.store.listMessages(sessionId);
      const { results, gapMs } = await postTwice(sessionId, message, message);
      const label = `iteration ${index} (session ${sessionId}, second POST after ${gapMs} ms)`;
      const first = checkTurnStream(results[0], `${label}, first POST`);
      const second = checkTurnStream(results[1], `${label}, second POST`);
      assert.equal(second.turnId, first.turnId, `${label}: one turn id`);
      assert.deepEqual(results[1].events, results[0].events, `${label}: identical chunks`);
      assert.equal(first.status, 'completed', label);
      assert.equal(first.text, uninterruptedAnswer(message.text, answerWords), label);
      await checkSettledTurn(server, sessionId, first, label);
      const turn = await server.runtime.api.store.getTurn(first.turnId);
      const added = (await server.runtime.api.store.listMessages(sessionId)).slice(before.length);
      assert.deepEqual(
        added.map((entry) => [entry.id, entry.role]),
        [
          [message.id, 'user'],
          [turn?.assistantMessageId, 'assistant'],
        ],
        `${label}: one user message and one answer`,
      );
    });
  });

  it('the same regenerate twice with nothing to answer: both answer 409, never an empty stream', async () => {
    // A database that takes a little longer to store a regenerate keeps the first request's turn
    // open while the second arrives: the second finds it under the same request, and must not
    // join a turn whose request is never stored, but get the answer the first got.
    const store = await SqlChatStore.open(await createPgliteSqlClient({}));
    const slowStore = new Proxy(store, {
      get(target, key) {
        const value: unknown = Reflect.get(target, key, target);
        if (typeof value !== 'function') return value;
        if (key !== 'startReplacementTurn') return value.bind(target);
        return async (...input: unknown[]) => {
          await sleep(randomDelay(6));
          return value.apply(target, input);
        };
      },
    });
    const slow = await startTestServer({}, { store: slowStore });
    try {
      await runLanes(iterations, lanes, async (index) => {
        const sessionId = await createSession(slow.baseUrl);
        const regenerate = () =>
          readSse(`${slow.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          });
        const posting = regenerate();
        await sleep(randomDelay(3));
        const results = await Promise.all([posting, regenerate()]);
        for (const [which, result] of results.entries()) {
          const label = `iteration ${index}, POST ${which + 1}`;
          assert.equal(result.status, 409, `${label}: ${JSON.stringify(result.events)}`);
          assert.equal(
            (result.body as { error: { code: string } }).error.code,
            'NOTHING_TO_REGENERATE',
            label,
          );
        }
        assert.equal(await slow.runtime.api.registry.getActiveTurn(sessionId), null);
      });
    } finally {
      await slow.close();
    }
  });

  it('a retry of the same message at any point of its turn, even after the end, replays that one turn', async (context) => {
    const { store } = server.runtime.api;
    const sessions = await Promise.all(
      Array.from({ length: lanes }, () => createSession(server.baseUrl)),
    );
    const retried = new Map<string, number>();
    await runLanes(iterations, lanes, async (index, lane) => {
      const sessionId = sessions[lane] as string;
      const message = { id: `m-${index}-retried`, text: `retried ${index} [demo:words=12]` };
      // Retry when the first POST has seen event `retryAt` (past its last event: after its end).
      const retryAt = Math.floor(Math.random() * 24) - 1;
      const jitterMs = randomDelay(3);
      const label = `iteration ${index} (session ${sessionId}, retry at event ${retryAt} + ${jitterMs} ms)`;
      const before = await store.listMessages(sessionId);
      let retrying: Promise<SseReadResult> | undefined;
      const retry = () => {
        retrying ??= sleep(jitterMs).then(() => postMessage(server.baseUrl, sessionId, message));
      };
      if (retryAt === -1) retry();
      const firstResult = await postMessage(server.baseUrl, sessionId, message, {
        onEvent: (_, position) => position === retryAt && retry(),
      });
      retry();
      const secondResult = await (retrying as Promise<SseReadResult>);
      const first = checkTurnStream(firstResult, `${label}, first POST`);
      const second = checkTurnStream(secondResult, `${label}, retried POST`);
      assert.equal(second.turnId, first.turnId, `${label}: one turn id`);
      assert.deepEqual(secondResult.events, firstResult.events, `${label}: identical chunks`);
      assert.equal(first.text, uninterruptedAnswer(message.text, answerWords), label);
      await checkSettledTurn(server, sessionId, first, label);
      const turn = await store.getTurn(first.turnId);
      const added = (await store.listMessages(sessionId)).slice(before.length);
      assert.deepEqual(
        added.map((entry) => [entry.id, entry.role]),
        [
          [message.id, 'user'],
          [turn?.assistantMessageId, 'assistant'],
        ],
        `${label}: one user message and one answer`,
      );
      const when =
        retryAt === -1
          ? 'with the first'
          : retryAt >= firstResult.events.length
            ? 'after the end'
            : 'mid-stream';
      retried.set(when, (retried.get(when) ?? 0) + 1);
    });
    context.diagnostic(`retries: ${JSON.stringify(Object.fromEntries(retried))}`);
  });
});
