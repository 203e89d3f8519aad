import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UIMessage } from 'ai';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createSession } from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';
import { postCancel, postMessage, randomDelay, runLanes } from './race-support.ts';

const iterations = 200;
const lanes = 4;

/** Where a follow-up ended up in the conversation. */
type Placement = 'steered' | 'next-turn';

/**
 * Every place the message `id` appears in the stored conversation: as a user message (it started
 * a turn) or as a `steering-message` part of an answer (a running turn took it).
 */
function placementsOf(messages: UIMessage[], id: string): Placement[] {
  const found: Placement[] = [];
  for (const message of messages) {
    if (message.role === 'user' && message.id === id) found.push('next-turn');
    for (const part of message.parts) {
      if (part.type === 'steering-message' && part.id === id) found.push('steered');
    }
  }
  return found;
}

/** The user's words in conversation order: user messages and steering parts alike. */
function userTurnsInOrder(messages: UIMessage[]): string[] {
  return messages.flatMap((message) =>
    message.role === 'user'
      ? [message.id]
      : message.parts.flatMap((part) => (part.type === 'steering-message' ? [part.id] : [])),
  );
}

/** Text of an answer after the steering part `id`: where the model acknowledged it. */
function textAfter(message: UIMessage, id: string): string {
  const index = message.parts.findIndex(
    (part) => part.type === 'steering-message' && part.id === id,
  );
  return message.parts
    .slice(index + 1)
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('');
}

describe('follow-ups racing the turn they join', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      DEMO_TOKEN_DELAY_MS: '1',
      DEMO_ANSWER_WORDS: '6',
      MAX_STEPS: '10',
      TURN_CONCURRENCY: String(lanes * 2),
    });
  });
  after(() => server.close());

  /**
   * The question a race starts from: an answer in `steps` steps. Resolves once the server placed
   * it, so the messages a race sends next are accepted after it; `answered` reads it to its end.
   */
  function askInSteps(sessionId: string, index: number, steps: number) {
    return postAccepted(sessionId, {
      id: `q-${index}`,
      text: `[demo:steps=${steps}] question ${index}`,
    });
  }

  /** POSTs a message and resolves once the server answered its headers (it was placed). */
  async function postAccepted(sessionId: string, message: { id: string; text: string }) {
    const placed = Promise.withResolvers<void>();
    const answered = postMessage(server.baseUrl, sessionId, message, {
      onResponse: () => placed.resolve(),
    });
    await Promise.race([placed.promise, answered]);
    return { answered };
  }

  /** Waits until nothing runs and nothing waits in the session, then returns its messages. */
  async function settled(sessionId: string, label: string): Promise<UIMessage[]> {
    const { registry, store } = server.runtime.api;
    await waitFor(
      async () =>
        (await registry.getActiveTurn(sessionId)) === null &&
        (await store.listPendingMessages(sessionId)).length === 0,
      { timeoutMs: 20_000, message: `${label}: the session settles` },
    );
    return store.listMessages(sessionId);
  }

  /** Checks the follow-up was answered exactly once and says where. */
  function checkAnsweredOnce(
    messages: UIMessage[],
    id: string,
    text: string,
    label: string,
    { stoppable = false } = {},
  ) {
    const placements = placementsOf(messages, id);
    assert.equal(placements.length, 1, `${label}: ${id} placed ${JSON.stringify(placements)}`);
    const [placement] = placements as [Placement];
    if (placement === 'next-turn') {
      const index = messages.findIndex((message) => message.id === id);
      const answer = messages[index + 1];
      assert.equal(answer?.role, 'assistant', `${label}: its own turn answered it`);
      if (!stoppable) assert.ok(answer.parts.length > 0, `${label}: with an answer`);
    } else {
      const answer = messages.find((message) =>
        message.parts.some((part) => part.type === 'steering-message' && part.id === id),
      ) as UIMessage;
      const acknowledged = textAfter(answer, id);
      // A Stop may land anywhere, also inside the acknowledgement: then it is cut short.
      const cutByStop =
        stoppable &&
        (!acknowledged.includes('Noted') || `Noted: ${text}`.startsWith(acknowledged.trim()));
      assert.ok(
        acknowledged.includes(`Noted: ${text}`) || cutByStop,
        `${label}: the answer went on with it: ${acknowledged}`,
      );
    }
    return placement;
  }

  it('a follow-up the registry could not count still gets its answer, as the next turn', async () => {
    const { registry } = server.runtime.api;
    const count = registry.noteFollowUp.bind(registry);
    const sessionId = await createSession(server.baseUrl);
    const first = await askInSteps(sessionId, 0, 3);
    registry.noteFollowUp = () => Promise.reject(new Error('the registry is unreachable'));
    try {
      const text = 'an uncounted follow-up';
      const followUp = await postMessage(server.baseUrl, sessionId, { id: 'uncounted', text });
      assert.equal(followUp.status, 200, JSON.stringify(followUp.body));
      await first.answered;
      const messages = await settled(sessionId, 'uncounted');
      // Uncounted, the running turn never reads it: the turn's end starts it instead.
      assert.equal(checkAnsweredOnce(messages, 'uncounted', text, 'uncounted'), 'next-turn');
    } finally {
      registry.noteFollowUp = count;
    }
  });

  it('steer racing the natural end: each follow-up is answered exactly once, in the running turn or the next', async (context) => {
    const outcomes = new Map<Placement, number>();
    await runLanes(iterations, lanes, async (index) => {
      const label = `iteration ${index}`;
      const sessionId = await createSession(server.baseUrl);
      const first = await askInSteps(sessionId, index, 2);
      await sleep(randomDelay(25));
      const text = `follow-up ${index}`;
      const followUp = await postMessage(server.baseUrl, sessionId, { id: `f-${index}`, text });
      assert.equal(followUp.status, 200, `${label}: ${JSON.stringify(followUp.body)}`);
      await first.answered;
      const placement = checkAnsweredOnce(
        await settled(sessionId, label),
        `f-${index}`,
        text,
        label,
      );
      outcomes.set(placement, (outcomes.get(placement) ?? 0) + 1);
    });
    context.diagnostic(`placements: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });

  it('two follow-ups at once: both answered once, in the order they were accepted', async () => {
    await runLanes(iterations, lanes, async (index) => {
      const label = `iteration ${index}`;
      const sessionId = await createSession(server.baseUrl);
      const first = await askInSteps(sessionId, index, 2);
      await sleep(randomDelay(25));
      const one = `one ${index}`;
      const two = `two ${index}`;
      const sendingOne = await postAccepted(sessionId, { id: `a-${index}`, text: one });
      await sleep(randomDelay(2));
      const sendingTwo = postMessage(server.baseUrl, sessionId, { id: `b-${index}`, text: two });
      await Promise.all([first.answered, sendingOne.answered, sendingTwo]);
      const messages = await settled(sessionId, label);
      checkAnsweredOnce(messages, `a-${index}`, one, label);
      checkAnsweredOnce(messages, `b-${index}`, two, label);
      assert.deepEqual(
        userTurnsInOrder(messages),
        [`q-${index}`, `a-${index}`, `b-${index}`],
        label,
      );
    });
  });

  it('interrupt racing completion: a new turn answers the message once; the first answer ended either way', async (context) => {
    const outcomes = new Map<string, number>();
    await runLanes(iterations, lanes, async (index) => {
      const label = `iteration ${index}`;
      const sessionId = await createSession(server.baseUrl);
      const first = await askInSteps(sessionId, index, 2);
      await sleep(randomDelay(25));
      const text = `instead ${index}`;
      const interrupting = await postMessage(server.baseUrl, sessionId, {
        id: `i-${index}`,
        text,
        multitask: 'interrupt',
      });
      assert.equal(interrupting.status, 200, label);
      await first.answered;
      const messages = await settled(sessionId, label);
      assert.deepEqual(placementsOf(messages, `i-${index}`), ['next-turn'], label);
      assert.deepEqual(
        messages.map((message) => message.role),
        ['user', 'assistant', 'user', 'assistant'],
        label,
      );
      const firstTurn = await server.runtime.api.store.listUnfinishedTurnsOfSession(sessionId);
      assert.deepEqual(firstTurn, [], `${label}: nothing left running`);
      const status = messages[1]?.parts.length ? 'answered-or-stopped' : 'stopped-before-a-word';
      outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
    });
    context.diagnostic(`first answers: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });

  it('steer racing cancel: the follow-up is never lost and answered exactly once', async (context) => {
    const outcomes = new Map<Placement, number>();
    await runLanes(iterations, lanes, async (index) => {
      const label = `iteration ${index}`;
      const sessionId = await createSession(server.baseUrl);
      const first = await askInSteps(sessionId, index, 3);
      await sleep(randomDelay(10));
      const text = `meanwhile ${index}`;
      const steering = await postAccepted(sessionId, { id: `s-${index}`, text });
      await sleep(randomDelay(8));
      const cancel = await postCancel(server.baseUrl, sessionId);
      assert.equal(cancel.status, 200, label);
      await Promise.all([first.answered, steering.answered]);
      const placement = checkAnsweredOnce(
        await settled(sessionId, label),
        `s-${index}`,
        text,
        label,
        { stoppable: true },
      );
      outcomes.set(placement, (outcomes.get(placement) ?? 0) + 1);
    });
    context.diagnostic(`placements: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  });
});
