import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tool, type UIMessage } from 'ai';
import { z } from 'zod';
import { multitaskHeader } from '../../src/protocol/stream-headers.ts';
import type { ChatStore } from '../../src/store/chat-store.ts';
import { createPgliteSqlClient } from '../../src/store/pglite-sql-client.ts';
import { SqlChatStore } from '../../src/store/sql-chat-store.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import {
  createSession,
  createTestTransport,
  TestChat,
  textOfMessage,
} from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

/** The store, counting the calls that read a conversation when a turn begins. */
function countingBeginTurn(store: ChatStore): { store: ChatStore; beginTurns: () => number } {
  let calls = 0;
  const counted = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property === 'beginTurn' && typeof value === 'function') {
        return (...args: unknown[]) => {
          calls += 1;
          return (value as (...parameters: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, beginTurns: () => calls };
}

// The embedded product hands a job to its executor in-process: the job carries the conversation
// the turn was stored with, so the turn starts without reading it again.
describe('embedded turns carry their conversation in the job', () => {
  let server: TestServer;
  let beginTurns: () => number;
  let held = 0;
  let release: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => {
    release = resolve;
  });
  before(async () => {
    const counting = countingBeginTurn(await SqlChatStore.open(await createPgliteSqlClient({})));
    beginTurns = counting.beginTurns;
    server = await startTestServer(
      { DEMO_TOKEN_DELAY_MS: '1', DEMO_ANSWER_WORDS: '5', TURN_CONCURRENCY: '1' },
      {
        store: counting.store,
        tools: {
          // One executor slot, held by a `[demo:steps=2]` turn until the test lets it go.
          demo_step: tool({
            description: 'Finishes one step of a demo answer',
            inputSchema: z.object({}).passthrough(),
            execute: async () => {
              held += 1;
              await holding;
              return { done: true };
            },
          }),
        },
      },
    );
  });
  after(() => server.close());

  it('answers a conversation of several turns without reading it when a turn begins', async () => {
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    await chat.sendMessage({ text: 'first question' });
    await chat.sendMessage({ text: 'second question' });
    assert.equal(chat.error, undefined);
    assert.deepEqual(
      chat.messages.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant'],
    );
    assert.ok(textOfMessage(chat.lastMessage).length > 0);
    assert.equal(beginTurns(), 0);
  });

  it('a follow-up sent while its turn waits in the queue is answered exactly once', async () => {
    const busy = await createSession(server.baseUrl);
    const holder = new TestChat({ id: busy, transport: createTestTransport(server.baseUrl) });
    const holderDone = holder.sendMessage({ text: '[demo:steps=2] hold the slot' });
    await waitFor(() => held === 1, { message: 'the only executor slot is taken' });
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    const sending = chat.sendMessage({ text: 'the question' });
    await waitFor(
      async () =>
        (
          (await (await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`)).json()) as {
            active_stream: unknown;
          }
        ).active_stream !== null,
      { message: 'the turn is queued' },
    );
    const followUp: UIMessage = {
      id: 'follow-up-1',
      role: 'user',
      parts: [{ type: 'text', text: 'and this' }],
    };
    const posted = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: sessionId, messages: [followUp], multitask: 'steer' }),
    });
    assert.equal(posted.headers.get(multitaskHeader), 'steered');
    await posted.body?.cancel();
    release();
    await Promise.all([holderDone, sending]);
    assert.equal(chat.error, undefined);
    const stored = (await (
      await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`)
    ).json()) as { messages: UIMessage[]; pending_messages: unknown[] };
    assert.deepEqual(stored.pending_messages, []);
    // Taken by the turn (a steering part of its answer) or answered by a turn of its own: once.
    const steered = stored.messages.flatMap((message) =>
      message.parts.filter(
        (part) =>
          part.type === 'steering-message' &&
          (part as unknown as { id: string }).id === followUp.id,
      ),
    );
    const askedAlone = stored.messages.filter((message) => message.id === followUp.id);
    assert.equal(steered.length + askedAlone.length, 1);
    assert.equal(beginTurns(), 0);
  });
});
