import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { tool, type UIMessage } from 'ai';
import { z } from 'zod';
import { multitaskHeader, turnIdHeader } from '../../src/protocol/stream-headers.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import {
  createSession,
  createTestTransport,
  TestChat,
  textOfMessage,
} from '../support/test-chat.ts';
import { visitorCookieHeader, visitorKeyFor } from '../support/visitor-keys.ts';
import { waitFor } from '../support/wait-for.ts';

interface SessionDetail {
  messages: UIMessage[];
  active_stream: { turn_id: string } | null;
  pending_messages: { id: string; mode: string; parts: unknown[] }[];
}

/**
 * The demo model's step tool, held by the test: each step of a `[demo:steps=N]` answer waits in
 * it until the test lets it go, so a follow-up lands at a known step boundary on any machine.
 */
class StepGate {
  #waiting: (() => void)[] = [];
  #open = false;
  entered = 0;
  readonly tool = tool({
    description: 'Finishes one step of a demo answer',
    inputSchema: z.object({}).passthrough(),
    execute: async (_input, { abortSignal }) => {
      this.entered += 1;
      if (!this.#open) {
        await new Promise<void>((resolve, reject) => {
          this.#waiting.push(resolve);
          // A stopped turn stops its tool too, as a real tool honours the signal.
          abortSignal?.addEventListener('abort', () => reject(new Error('stopped')), {
            once: true,
          });
        });
      }
      return { done: true };
    },
  });
  /** Lets the step waiting now (and the ones after it) go on. */
  open(): void {
    this.#open = true;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
  /** Lets exactly the steps waiting now go on; later ones wait again. */
  release(): void {
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
  reset(): void {
    this.#open = false;
    this.entered = 0;
  }
}

const userMessage = (id: string, text: string): UIMessage => ({
  id,
  role: 'user',
  parts: [{ type: 'text', text }],
});

describe('a message sent while a turn runs: steer, queue, interrupt, reject', () => {
  let server: TestServer;
  const gate = new StepGate();
  before(async () => {
    server = await startTestServer(
      { DEMO_TOKEN_DELAY_MS: '1', DEMO_ANSWER_WORDS: '5', MAX_STEPS: '10' },
      { tools: { demo_step: gate.tool } },
    );
  });
  after(() => server.close());
  beforeEach(() => gate.reset());

  const getSession = async (id: string): Promise<SessionDetail> =>
    (await (await fetch(`${server.baseUrl}/api/chat/sessions/${id}`)).json()) as SessionDetail;

  /** POSTs a follow-up the way the SDK's `steer`/`queue`/`interrupt` do; the body is not read. */
  async function postFollowUp(sessionId: string, message: UIMessage, multitask: string) {
    const response = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: sessionId, messages: [message], multitask }),
    });
    const outcome = {
      status: response.status,
      multitask: response.headers.get(multitaskHeader),
      turnId: response.headers.get(turnIdHeader),
      body: response.headers.get('content-type')?.includes('json')
        ? ((await response.json()) as { error: { code: string } })
        : null,
    };
    if (!outcome.body) await response.body?.cancel();
    return outcome;
  }

  async function startAnswer(text: string) {
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    const sending = chat.sendMessage({ text });
    await waitFor(() => gate.entered === 1, { message: 'the first step reached its tool' });
    const running = (await getSession(sessionId)).active_stream?.turn_id;
    assert.ok(running);
    return { sessionId, chat, sending, running };
  }

  it('steer: the running answer takes the message at its next step and acknowledges it, one assistant message, same after reload', async () => {
    const { sessionId, chat, sending, running } = await startAnswer('[demo:steps=3] plan a trip');
    const steered = await postFollowUp(sessionId, userMessage('f-1', 'use Paris, Texas'), 'steer');
    assert.deepEqual(
      [steered.status, steered.multitask, steered.turnId],
      [200, 'steered', running],
    );
    assert.deepEqual(
      (await getSession(sessionId)).pending_messages.map((pending) => [pending.id, pending.mode]),
      [['f-1', 'steer']],
      'shown as waiting until the model takes it',
    );
    gate.open();
    await sending;
    assert.equal(chat.status, 'ready');
    assert.deepEqual(
      chat.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    const answer = chat.lastMessage;
    assert.ok(answer);
    const steeringIndex = answer.parts.findIndex((part) => part.type === 'steering-message');
    assert.notEqual(steeringIndex, -1, 'the answer carries the steering message');
    assert.deepEqual(answer.parts[steeringIndex], {
      type: 'steering-message',
      id: 'f-1',
      parts: [{ type: 'text', text: 'use Paris, Texas' }],
    });
    const afterSteering = textOfMessage({ ...answer, parts: answer.parts.slice(steeringIndex) });
    assert.match(afterSteering, /Noted: use Paris, Texas/);
    assert.doesNotMatch(
      textOfMessage({ ...answer, parts: answer.parts.slice(0, steeringIndex) }),
      /Noted/,
    );
    const reloaded = await getSession(sessionId);
    assert.deepEqual(reloaded.pending_messages, []);
    assert.deepEqual(
      JSON.parse(JSON.stringify(reloaded.messages)),
      JSON.parse(JSON.stringify(chat.messages)),
    );
  });

  it('steer: a follow-up with file_ids reaches the running answer, which keeps its file as sent, and completes', async () => {
    const visitor = visitorCookieHeader(visitorKeyFor('steers-with-files'));
    const form = new FormData();
    form.set('file', new File(['a,b'], 'table.csv', { type: 'text/csv' }));
    const file = (await (
      await fetch(`${server.baseUrl}/api/chat/files`, {
        method: 'POST',
        headers: visitor,
        body: form,
      })
    ).json()) as { id: string; url: string };
    const { sessionId, chat, sending } = await startAnswer('[demo:steps=2] look at data');
    const steered = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
      method: 'POST',
      headers: { ...visitor, 'content-type': 'application/json' },
      body: JSON.stringify({
        message: 'this table too',
        message_id: 'f-file',
        file_ids: [file.id],
        multitask: 'steer',
      }),
    });
    assert.equal(steered.headers.get(multitaskHeader), 'steered');
    await steered.body?.cancel();
    gate.open();
    await sending;
    assert.equal(chat.status, 'ready');
    assert.equal(chat.error, undefined);
    // The steering part is the follow-up as sent, its file pointing at the upload: the model
    // read the file's text, which the answer does not copy.
    const steering = chat.lastMessage?.parts.find((part) => part.type === 'steering-message');
    assert.deepEqual(steering, {
      type: 'steering-message',
      id: 'f-file',
      parts: [
        { type: 'file', mediaType: 'text/csv', filename: 'table.csv', url: file.url },
        { type: 'text', text: 'this table too' },
      ],
    });
    assert.match(
      textOfMessage(chat.lastMessage ?? { id: 'a', role: 'assistant', parts: [] }),
      /Noted: this table too\./,
    );
  });

  it('queue: the message is answered after the current task, in the same answer', async () => {
    const { sessionId, chat, sending } = await startAnswer('[demo:steps=2] count');
    const queued = await postFollowUp(sessionId, userMessage('q-1', 'and after that'), 'queue');
    assert.deepEqual([queued.status, queued.multitask], [200, 'queued']);
    gate.open();
    await sending;
    const parts = chat.lastMessage?.parts ?? [];
    const steeringIndex = parts.findIndex((part) => part.type === 'steering-message');
    assert.notEqual(steeringIndex, -1);
    const before = textOfMessage({
      id: 'a',
      role: 'assistant',
      parts: parts.slice(0, steeringIndex),
    });
    assert.match(before, /Done\./, 'the current task was answered first');
    assert.match(
      textOfMessage({ id: 'a', role: 'assistant', parts: parts.slice(steeringIndex) }),
      /Noted: and after that/,
    );
    assert.deepEqual((await getSession(sessionId)).pending_messages, []);
  });

  it('interrupt: the running answer stops with its partial text kept and a new turn answers the message', async () => {
    const { sessionId, chat, sending, running } = await startAnswer('[demo:steps=3] long one');
    const interrupted = await postFollowUp(
      sessionId,
      userMessage('i-1', 'stop, do X'),
      'interrupt',
    );
    assert.equal(interrupted.status, 200);
    assert.equal(interrupted.multitask, 'interrupted');
    assert.notEqual(interrupted.turnId, running);
    gate.open();
    await sending;
    assert.equal(chat.status, 'ready', 'the interrupted answer ends as a stop, not an error');
    await waitFor(async () => (await getSession(sessionId)).active_stream === null);
    const { messages } = await getSession(sessionId);
    assert.deepEqual(
      messages.map((message) => [message.role, message.id === 'i-1']),
      [
        ['user', false],
        ['assistant', false],
        ['user', true],
        ['assistant', false],
      ],
    );
    assert.match(textOfMessage(messages[1]), /Step 1 of 3/, 'the partial answer is kept');
    assert.doesNotMatch(textOfMessage(messages[1]), /Done\./);
    assert.match(textOfMessage(messages[3]), /stop, do X/);
    const stored = await server.runtime.api.store.getTurn(running);
    assert.equal(stored?.status, 'cancelled');
  });

  it('reject: a second message is refused with 409 TURN_ALREADY_ACTIVE and nothing is stored', async () => {
    const { sessionId, sending } = await startAnswer('[demo:steps=2] hi');
    const rejected = await postFollowUp(sessionId, userMessage('r-1', 'me too'), 'reject');
    assert.equal(rejected.status, 409);
    assert.equal(rejected.body?.error.code, 'TURN_ALREADY_ACTIVE');
    gate.open();
    await sending;
    const { messages, pending_messages: pending } = await getSession(sessionId);
    assert.deepEqual(pending, []);
    assert.equal(
      messages.some((message) => message.id === 'r-1'),
      false,
    );
  });

  it('a follow-up the running turn ends without (stopped before its next step) starts the next turn by itself', async () => {
    const { sessionId, sending } = await startAnswer('[demo:steps=3] go');
    const steered = await postFollowUp(sessionId, userMessage('s-1', 'also this'), 'steer');
    assert.equal(steered.multitask, 'steered');
    const cancel = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/cancel`, {
      method: 'POST',
    });
    assert.equal(cancel.status, 200);
    gate.open();
    await sending;
    await waitFor(
      async () => {
        const session = await getSession(sessionId);
        return session.active_stream === null && session.messages.length === 4;
      },
      { message: 'the follow-up was answered by a turn of its own' },
    );
    const { messages, pending_messages: pending } = await getSession(sessionId);
    assert.deepEqual(pending, []);
    assert.deepEqual(
      messages.map((message) => [message.role, message.id === 's-1']),
      [
        ['user', false],
        ['assistant', false],
        ['user', true],
        ['assistant', false],
      ],
    );
    assert.equal(
      messages[1]?.parts.some((part) => part.type === 'steering-message'),
      false,
      'the stopped answer never took it',
    );
  });

  it('a retried follow-up POST (same id) is placed once: one waiting message, then one steering part', async () => {
    const { sessionId, sending } = await startAnswer('[demo:steps=2] once');
    const first = await postFollowUp(sessionId, userMessage('d-1', 'only once'), 'steer');
    const retry = await postFollowUp(sessionId, userMessage('d-1', 'only once'), 'steer');
    assert.deepEqual([first.multitask, retry.multitask], ['steered', 'steered']);
    assert.equal((await getSession(sessionId)).pending_messages.length, 1);
    gate.open();
    await sending;
    const again = await postFollowUp(sessionId, userMessage('d-1', 'only once'), 'steer');
    assert.equal(again.status, 200, 'after the turn took it, a retry replays that turn');
    assert.equal(again.multitask, 'started');
    const { messages } = await getSession(sessionId);
    const steeringParts = messages.flatMap((message) =>
      message.parts.filter((part) => part.type === 'steering-message'),
    );
    assert.equal(steeringParts.length, 1);
    assert.equal(messages.length, 2);
  });

  it('with no turn running every strategy simply starts a turn', async () => {
    for (const multitask of ['steer', 'queue', 'interrupt', 'reject']) {
      gate.reset();
      gate.open();
      const sessionId = await createSession(server.baseUrl);
      const placed = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: `hello ${multitask}`, multitask }),
      });
      assert.equal(placed.status, 200, multitask);
      assert.equal(placed.headers.get(multitaskHeader), 'started', multitask);
      await placed.text();
      const { messages } = await getSession(sessionId);
      assert.deepEqual(
        messages.map((message) => message.role),
        ['user', 'assistant'],
        multitask,
      );
    }
  });

  it('an unknown strategy is a 422 VALIDATION_FAILED', async () => {
    const sessionId = await createSession(server.baseUrl);
    const response = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'hi', multitask: 'shout' }),
    });
    assert.equal(response.status, 422);
    assert.equal(
      ((await response.json()) as { error: { code: string } }).error.code,
      'VALIDATION_FAILED',
    );
  });
});
