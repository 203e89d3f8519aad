import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { readSse } from '../support/read-sse.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createSession } from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  checkTurnStream,
  postMessage,
  randomDelay,
  runLanes,
  textOfMessage,
  uninterruptedAnswer,
} from './race-support.ts';

const iterations = 240;
const lanes = 12;
const answerWords = 20;

describe('a client disconnecting at any point', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      DEMO_TOKEN_DELAY_MS: '1',
      DEMO_ANSWER_WORDS: String(answerWords),
      TURN_CONCURRENCY: String(lanes * 2),
    });
  });
  after(() => server.close());

  it('never cancels the turn: it completes and its full answer is persisted', async (context) => {
    const { store, registry } = server.runtime.api;
    const whenAborted = new Map<string, number>();
    const count = (name: string) => whenAborted.set(name, (whenAborted.get(name) ?? 0) + 1);
    const undelivered: { sessionId: string; messageId: string; text: string; label: string }[] = [];

    await runLanes(iterations, lanes, async (index) => {
      // A session per iteration: a POST aborted before the server read it may still arrive late.
      const sessionId = await createSession(server.baseUrl);
      const message = { id: `m-left-${index}`, text: `leaving ${index} [demo:words=10]` };
      const expected = uninterruptedAnswer(message.text, answerWords);
      // Abort when event `abortAt` has arrived (-1: from the POST on, mostly before the response;
      // past the last event: after the end), plus a random jitter.
      const abortAt = Math.random() < 0.2 ? -1 : randomDelay(18);
      const jitterMs = randomDelay(abortAt === -1 ? 20 : 2);
      const label = `iteration ${index} (session ${sessionId}, abort at event ${abortAt} + ${jitterMs} ms)`;
      const client = new AbortController();
      const leave = () => setTimeout(() => client.abort(), jitterMs);
      if (abortAt === -1) leave();
      const reading = postMessage(server.baseUrl, sessionId, message, {
        signal: client.signal,
        onEvent: (_, position) => position === abortAt && leave(),
      });
      const received = await reading;
      if (received.status === 0) count('before the response');
      else if (received.aborted) count('mid-stream');
      else count('after the end');
      if (received.status === 0) {
        // Aborted before the response: the request may never have reached the server.
        undelivered.push({ sessionId, messageId: message.id, text: message.text, label });
        return;
      }
      assert.equal(received.status, 200, label);
      const turnId = received.events[0]?.id?.split(':')[0];
      const assistantMessageId = await waitForAnswer(sessionId, message.id, label);
      const persisted = (await store.listMessages(sessionId)).at(-1);
      assert.equal(persisted?.id, assistantMessageId, label);
      assert.equal(textOfMessage(persisted), expected, `${label}: full answer persisted`);
      if (turnId !== undefined) {
        assert.equal((await store.getTurn(turnId))?.status, 'completed', label);
        assert.equal((await registry.getTurn(turnId))?.status, 'completed', label);
      }
    });

    // Requests aborted before their response either never arrived or ran to completion.
    let delivered = 0;
    for (const { sessionId, messageId, text, label } of undelivered) {
      await waitFor(async () => (await registry.getActiveTurn(sessionId)) === null, {
        message: label,
      });
      const messages = await store.listMessages(sessionId);
      if (messages.length === 0) continue;
      delivered += 1;
      await waitForAnswer(sessionId, messageId, label);
      assert.equal(
        textOfMessage((await store.listMessages(sessionId)).at(-1)),
        uninterruptedAnswer(text, answerWords),
        label,
      );
    }
    context.diagnostic(
      `aborted: ${JSON.stringify(Object.fromEntries(whenAborted))}; ` +
        `${delivered} of the ${undelivered.length} POSTs aborted before their response had reached the server and completed`,
    );
    assert.ok(
      (whenAborted.get('mid-stream') ?? 0) > 0,
      'the random timing never aborted mid-stream',
    );
  });

  /** Waits until the turn answering `messageId` has persisted its answer; returns the answer's id. */
  async function waitForAnswer(sessionId: string, messageId: string, label: string) {
    let answer: UIMessage | undefined;
    await waitFor(
      async () => {
        const messages = await server.runtime.api.store.listMessages(sessionId);
        const index = messages.findIndex((message) => message.id === messageId);
        answer = index === -1 ? undefined : messages[index + 1];
        const active = await server.runtime.api.registry.getActiveTurn(sessionId);
        return answer?.role === 'assistant' && active === null;
      },
      { message: `${label}: the turn did not finish after its client left` },
    );
    return answer?.id;
  }

  it('a re-attached reader that goes away does not disturb another reader, which gets everything', async () => {
    await runLanes(200, lanes, async (index) => {
      const sessionId = await createSession(server.baseUrl);
      const message = { id: `m-watched-${index}`, text: `watched ${index} [demo:words=12]` };
      const abortAt = Math.floor(Math.random() * 18) - 1;
      const jitterMs = randomDelay(2);
      const label = `iteration ${index} (session ${sessionId}, GET aborted at event ${abortAt} + ${jitterMs} ms)`;
      const turnOpened = Promise.withResolvers<void>();
      const main = postMessage(server.baseUrl, sessionId, message, {
        onEvent: (_, position) => position === 0 && turnOpened.resolve(),
      });
      await Promise.race([turnOpened.promise, main]);
      const leaving = new AbortController();
      const leave = () => setTimeout(() => leaving.abort(), jitterMs);
      if (abortAt === -1) leave();
      const url = `${server.baseUrl}/api/chat/sessions/${sessionId}/stream`;
      const left = readSse(url, {
        signal: leaving.signal,
        onEvent: (_, position) => position === abortAt && leave(),
      });
      const staying = readSse(url);
      const [mainResult, leftResult, stayingResult] = await Promise.all([main, left, staying]);

      const stream = checkTurnStream(mainResult, `${label}, POST reader`);
      assert.equal(stream.status, 'completed', label);
      assert.equal(stream.text, uninterruptedAnswer(message.text, answerWords), label);
      if (stayingResult.status === 204) {
        // It attached after the turn had ended: nothing to resume, which is correct.
        assert.equal(await server.runtime.api.registry.getActiveTurn(sessionId), null, label);
      } else {
        assert.deepEqual(stayingResult.events, mainResult.events, `${label}: GET reader got all`);
      }
      if (leftResult.status === 200) {
        const prefix = mainResult.events.slice(0, leftResult.events.length);
        assert.deepEqual(leftResult.events, prefix, `${label}: the leaving reader's prefix`);
      }
    });
  });
});
