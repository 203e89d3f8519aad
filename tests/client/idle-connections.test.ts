import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UIMessageChunk } from 'ai';
import {
  createChatTransport,
  DurableChatClient,
  type ReconnectAttempt,
  ResumableTurnStream,
  type TurnStreamEvent,
} from '../../src/client/index.ts';
import { textOfChunks } from '../support/read-sse.ts';
import type { TcpFaultProxy } from '../support/tcp-fault-proxy.ts';
import { TestChat, textOfMessage } from '../support/test-chat.ts';
import { type ProxiedTestServer, startProxiedTestServer } from './support/proxied-test-server.ts';

const idleTimeoutMs = 600;

const textOf = (events: TurnStreamEvent[]) => textOfChunks(events.map(({ chunk }) => chunk));

async function storedAnswer(client: DurableChatClient, sessionId: string): Promise<string> {
  const detail = await client.getSession(sessionId);
  assert.equal(detail.messages.length, 2, 'one user message and one answer');
  return textOfMessage(detail.messages[1]);
}

function assertContiguous(events: TurnStreamEvent[]): void {
  assert.deepEqual(
    events.map((event) => event.position),
    events.map((_event, index) => index + 1),
    'every position once, in order',
  );
}

describe('the resumable reader on a connection that goes silent', () => {
  let fixture: ProxiedTestServer;
  let proxy: TcpFaultProxy;
  let direct: DurableChatClient;
  before(async () => {
    fixture = await startProxiedTestServer({
      HEARTBEAT_INTERVAL_MS: '100',
      DEMO_TOKEN_DELAY_MS: '10',
      DEMO_SLOW_SILENCE_MS: String(idleTimeoutMs * 3),
    });
    ({ proxy, direct } = fixture);
  });
  after(() => fixture.close());

  it('takes a connection that stops carrying bytes without a reset for dead, resumes it and gets the whole answer once', async () => {
    const client = new DurableChatClient({ baseUrl: fixture.proxiedUrl });
    const { id } = await direct.createSession();
    const attempts: ReconnectAttempt[] = [];
    const events: TurnStreamEvent[] = [];
    let deliveredBeforeReconnect = 0;
    const stream = await client.sendMessage(id, 'a long answer [demo:words=150]', {
      idleTimeoutMs,
      reconnect: { initialDelayMs: 10 },
      onReconnect: (attempt) => {
        attempts.push(attempt);
        deliveredBeforeReconnect = events.length;
      },
    });
    for await (const event of stream) {
      events.push(event);
      if (events.length === 5) proxy.freeze();
    }
    assert.equal(attempts.length, 1, 'one reconnect, after the idle timeout');
    // Events already on their way when the link froze are delivered first.
    assert.ok(deliveredBeforeReconnect >= 5);
    assert.equal(attempts[0]?.after?.position, deliveredBeforeReconnect);
    assert.match(String(attempts[0]?.error), /sent nothing for 600 ms/);
    assertContiguous(events);
    assert.equal(events.at(-1)?.chunk.type, 'finish');
    assert.equal(textOf(events), await storedAnswer(direct, id));
  });

  it("useChat's transport honours idleTimeoutMs: a frozen answer resumes and the chat ends with the stored answer", async () => {
    const { id } = await direct.createSession();
    const attempts: ReconnectAttempt[] = [];
    const chat = new TestChat({
      id,
      transport: createChatTransport({
        baseUrl: fixture.proxiedUrl,
        idleTimeoutMs,
        reconnect: { initialDelayMs: 10 },
        onReconnect: (attempt) => attempts.push(attempt),
      }),
    });
    // 150 words at 10 ms each: the link freezes mid-answer.
    const freezing = sleep(300).then(() => proxy.freeze());
    await chat.sendMessage({ text: 'a long answer [demo:words=150]' });
    await freezing;
    assert.equal(chat.status, 'ready');
    assert.equal(attempts.length, 1, 'one reconnect, after the idle timeout');
    assert.match(String(attempts[0]?.error), /sent nothing for 600 ms/);
    assert.equal(textOfMessage(chat.lastMessage), await storedAnswer(direct, id));
  });

  it("keeps a connection open through the model's long silences while the server's heartbeats arrive", async () => {
    const client = new DurableChatClient({ baseUrl: fixture.server.baseUrl });
    const { id } = await direct.createSession();
    const attempts: ReconnectAttempt[] = [];
    const started = performance.now();
    const stream = await client.sendMessage(id, 'take your time [demo:slow] [demo:words=6]', {
      idleTimeoutMs,
      onReconnect: (attempt) => attempts.push(attempt),
    });
    const events: TurnStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    assert.ok(
      performance.now() - started > idleTimeoutMs * 3,
      'the answer had silences longer than the idle timeout',
    );
    assert.deepEqual(attempts, [], 'no reconnect');
    assertContiguous(events);
    assert.equal(textOf(events), await storedAnswer(direct, id));
  });

  it('sends a message again when its request gets no response within the idle timeout, and the turn runs once', async () => {
    let requests = 0;
    // The first request vanishes into a dead link: it is never answered and never fails.
    const deadFirstRequest: typeof fetch = (input, init) => {
      requests += 1;
      if (requests > 1) return fetch(input, init);
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
      });
    };
    const client = new DurableChatClient({
      baseUrl: fixture.server.baseUrl,
      fetch: deadFirstRequest,
    });
    const { id } = await direct.createSession();
    const attempts: ReconnectAttempt[] = [];
    const stream = await client.sendMessage(id, 'hello again [demo:words=20]', {
      idleTimeoutMs,
      reconnect: { initialDelayMs: 10 },
      onReconnect: (attempt) => attempts.push(attempt),
    });
    const events: TurnStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    assert.equal(requests, 2);
    assert.equal(attempts.length, 1);
    assert.equal(attempts[0]?.after, null, 'nothing was received: the message is sent again');
    assertContiguous(events);
    assert.equal(textOf(events), await storedAnswer(direct, id));
  });
});

describe('the idle timeout and a slow reader', () => {
  it('does not count the time the caller spends with a chunk as silence of the server', async () => {
    const chunks: UIMessageChunk[] = [
      { type: 'start', messageId: 'answer' },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'everything ' },
      { type: 'text-delta', id: 't', delta: 'arrived at once' },
      { type: 'text-end', id: 't' },
      { type: 'finish' },
    ];
    const body = `${chunks
      .map((chunk, index) => `id: turn-1:${index + 1}\ndata: ${JSON.stringify(chunk)}\n\n`)
      .join('')}data: [DONE]\n\n`;
    let connections = 0;
    const stream = await ResumableTurnStream.open(
      async () => {
        connections += 1;
        return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
      },
      { idleTimeoutMs: 100 },
    );
    assert.ok(stream);
    const events: TurnStreamEvent[] = [];
    for await (const event of stream) {
      events.push(event);
      if (events.length === 1) await sleep(400);
    }
    assert.equal(connections, 1, 'no reconnect while the caller was busy');
    assertContiguous(events);
    assert.equal(textOf(events), 'everything arrived at once');
  });
});
