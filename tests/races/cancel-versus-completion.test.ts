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
  textOfMessage,
  uninterruptedAnswer,
} from './race-support.ts';

const iterations = 240;
const lanes = 4;
const answerWords = 20;

describe('cancel racing the natural end of a turn', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      // Long enough that a cancel sent on seeing an early event still finds the turn running on
      // a loaded machine (at 1 ms the whole answer often reached the client in one burst after
      // its end, and no cancel ever landed), short enough that many land after the end.
      DEMO_TOKEN_DELAY_MS: '4',
      DEMO_ANSWER_WORDS: String(answerWords),
      TURN_CONCURRENCY: String(lanes * 2),
    });
  });
  after(() => server.close());

  /**
   * Races a cancel against each of `iterations` short turns over `lanes` sessions, checks each
   * outcome, then checks a new message works in every session. Returns how often each outcome
   * occurred.
   */
  async function raceCancelsAgainstCompletion(prefix: string): Promise<Map<string, number>> {
    const sessions = await Promise.all(
      Array.from({ length: lanes }, () => createSession(server.baseUrl)),
    );
    const outcomes = new Map<string, number>();
    const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

    await runLanes(iterations, lanes, async (index, lane) => {
      const sessionId = sessions[lane] as string;
      const text = `race ${index} [demo:words=8]`;
      const expected = uninterruptedAnswer(text, answerWords);
      // Cancel when the client has seen event `cancelAt` (-1: from the POST on, landing before
      // the turn opens, while it is queued or as it starts; past the last event: after the
      // stream ended), plus a random jitter.
      const cancelAt = Math.floor(Math.random() * 18) - 1;
      const jitterMs = randomDelay(cancelAt === -1 ? 30 : 3);
      const label = `${prefix} iteration ${index} (session ${sessionId}, cancel at event ${cancelAt} + ${jitterMs} ms)`;
      const startedAt = performance.now();
      let cancelledAt = 0;
      let cancelling: ReturnType<typeof postCancel> | undefined;
      const fireCancel = () => {
        cancelling ??= sleep(jitterMs).then(async () => {
          const cancel = await postCancel(server.baseUrl, sessionId);
          cancelledAt = performance.now() - startedAt;
          return cancel;
        });
      };
      if (cancelAt === -1) fireCancel();
      const posting = postMessage(
        server.baseUrl,
        sessionId,
        { id: `m-${prefix}-${index}`, text },
        { onEvent: (_, position) => position === cancelAt && fireCancel() },
      );
      const received = await posting;
      fireCancel();
      const cancel = await (cancelling as ReturnType<typeof postCancel>);
      const stream = checkTurnStream(received, label);
      const detail = `${label}, cancel answered at ${cancelledAt.toFixed(1)} ms: ${JSON.stringify(cancel.body)}`;

      assert.equal(cancel.status, 200, detail);
      assert.equal(cancel.body.cancelled, true, detail);
      assert.notEqual(stream.status, 'failed', `${detail}: a cancel must never fail the turn`);
      if (stream.status === 'completed') {
        assert.equal(stream.text, expected, `${detail}: completed with the full answer`);
      } else {
        assert.ok(expected.startsWith(stream.text), `${detail}: partial "${stream.text}"`);
        assert.notEqual(
          cancel.body.reason,
          'no_active_session',
          `${detail}: cancelled by a cancel that found nothing to cancel`,
        );
      }
      const persisted = await checkSettledTurn(server, sessionId, stream, detail);
      if (stream.status === 'completed') assert.equal(textOfMessage(persisted), expected, detail);

      const reattach = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`);
      assert.equal(reattach.status, 204, `${detail}: re-attach after the end`);
      count(
        stream.status === 'completed'
          ? `completed (cancel ${cancel.body.reason ?? 'confirmed'})`
          : stream.text === ''
            ? 'cancelled before any text'
            : stream.text === expected
              ? 'cancelled after the whole text'
              : 'cancelled mid-text',
      );
    });

    // Every lane's last turn was raced by a cancel; a new message afterwards must just work.
    await Promise.all(
      sessions.map(async (sessionId) => {
        const text = `after the races [demo:words=6]`;
        const stream = checkTurnStream(
          await postMessage(server.baseUrl, sessionId, {
            id: `m-${prefix}-final-${sessionId}`,
            text,
          }),
          `final message in ${sessionId}`,
        );
        assert.equal(stream.status, 'completed');
        assert.equal(stream.text, uninterruptedAnswer(text, answerWords));
        await checkSettledTurn(server, sessionId, stream, `final message in ${sessionId}`);
      }),
    );
    return outcomes;
  }

  function checkBothOutcomesOccurred(outcomes: Map<string, number>): void {
    const names = [...outcomes.keys()];
    assert.ok(
      names.some((name) => name.startsWith('completed')),
      'no turn ever completed',
    );
    assert.ok(
      names.some((name) => name.startsWith('cancelled')),
      'no turn was ever cancelled',
    );
  }

  it('ends every turn once, as completed or cancelled, with the store, registry and client agreeing', async (context) => {
    const outcomes = await raceCancelsAgainstCompletion('plain');
    context.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
    checkBothOutcomesOccurred(outcomes);
  });

  it('still ends every turn once when each registry append takes a network round trip', async (context) => {
    // The embedded registry appends without yielding to I/O, which hides the window between
    // appending `finish` and the turn's end; a networked registry (Redis) opens it. Latency is
    // injected around the real registry, as a slow network would.
    const { registry } = server.runtime.api;
    const append = registry.append;
    registry.append = async (turnId, chunks) => {
      await sleep(randomDelay(2));
      return append.call(registry, turnId, chunks);
    };
    try {
      const outcomes = await raceCancelsAgainstCompletion('slow-append');
      context.diagnostic(`outcomes: ${JSON.stringify(Object.fromEntries(outcomes))}`);
      checkBothOutcomesOccurred(outcomes);
    } finally {
      registry.append = append;
    }
  });
});
