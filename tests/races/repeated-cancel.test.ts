import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
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

describe('Stop pressed twice, and Stop after the end', () => {
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

  it('two cancels at once both succeed and the turn ends once, as cancelled', async () => {
    const sessions = await Promise.all(
      Array.from({ length: lanes }, () => createSession(server.baseUrl)),
    );
    await runLanes(iterations, lanes, async (index, lane) => {
      const sessionId = sessions[lane] as string;
      const firstDelayMs = randomDelay(10);
      const secondDelayMs = randomDelay(3);
      const label = `iteration ${index} (session ${sessionId}, cancels after ${firstDelayMs} and +${secondDelayMs} ms)`;
      let opened: () => void = () => undefined;
      const turnOpened = new Promise<void>((resolve) => {
        opened = resolve;
      });
      const posting = postMessage(
        server.baseUrl,
        sessionId,
        { id: `m-stop-twice-${index}`, text: `stop twice ${index} [demo:slow]` },
        { onEvent: (_, position) => position === 0 && opened() },
      );
      await turnOpened;
      await sleep(firstDelayMs);
      const first = postCancel(server.baseUrl, sessionId);
      await sleep(secondDelayMs);
      const cancels = await Promise.all([first, postCancel(server.baseUrl, sessionId)]);
      const stream = checkTurnStream(await posting, label);
      const detail = `${label}: cancels answered ${JSON.stringify(cancels)}`;

      for (const cancel of cancels) {
        assert.equal(cancel.status, 200, detail);
        assert.equal(cancel.body.cancelled, true, detail);
      }
      // Either may reach the server first; the other may then find the turn already ended.
      assert.ok(
        cancels.some((cancel) => cancel.body.reason === undefined),
        `${detail}: neither cancel found the running turn`,
      );
      assert.equal(stream.status, 'cancelled', detail);
      await checkSettledTurn(server, sessionId, stream, detail);
      const log = await server.runtime.api.registry.readAll(stream.turnId);
      assert.equal(
        log.filter(({ chunk }) => chunk.type === 'abort').length,
        1,
        `${detail}: one abort in the chunk log`,
      );
    });
  });

  it('a cancel after the turn completed answers no_active_session and changes nothing', async () => {
    const { store, registry } = server.runtime.api;
    const sessions = await Promise.all(
      Array.from({ length: lanes }, () => createSession(server.baseUrl)),
    );
    await runLanes(iterations, lanes, async (index, lane) => {
      const sessionId = sessions[lane] as string;
      const text = `finished ${index} [demo:words=6]`;
      const cancelDelayMs = randomDelay(3);
      const label = `iteration ${index} (session ${sessionId}, cancel ${cancelDelayMs} ms after the end)`;
      const stream = checkTurnStream(
        await postMessage(server.baseUrl, sessionId, { id: `m-finished-${index}`, text }),
        label,
      );
      assert.equal(stream.status, 'completed', label);
      assert.equal(stream.text, uninterruptedAnswer(text, answerWords), label);
      const snapshot = async () => ({
        messages: await store.listMessages(sessionId),
        storedTurn: await store.getTurn(stream.turnId),
        registryTurn: await registry.getTurn(stream.turnId),
        log: await registry.readAll(stream.turnId),
      });
      const before = await snapshot();
      await sleep(cancelDelayMs);
      const cancels = await Promise.all([
        postCancel(server.baseUrl, sessionId),
        postCancel(server.baseUrl, sessionId),
      ]);
      for (const cancel of cancels) {
        assert.deepEqual(cancel, {
          status: 200,
          body: { cancelled: true, reason: 'no_active_session' },
        });
      }
      assert.deepEqual(await snapshot(), before, `${label}: the cancel changed something`);
      await checkSettledTurn(server, sessionId, stream, label);
    });
  });
});
