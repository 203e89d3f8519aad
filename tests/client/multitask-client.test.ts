import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { multitaskHeader } from '../../src/protocol/stream-headers.ts';
import {
  createChatTransport,
  DurableChatApiError,
  DurableChatClient,
  type ResumableTurnStream,
  type SentMessage,
} from '../../src/client/index.ts';

interface SeenRequest {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
}

type Script = (request: SeenRequest, response: ServerResponse) => void;

const sse = { 'content-type': 'text/event-stream' };
const event = (turnId: string, position: number, chunk: object) =>
  `id: ${turnId}:${position}\ndata: ${JSON.stringify(chunk)}\n\n`;

/** A whole short answer of `turnId`, as the server streams it. */
function answer(turnId: string, text: string): string {
  return (
    event(turnId, 1, { type: 'start', messageId: `answer-of-${turnId}` }) +
    event(turnId, 2, { type: 'text-start', id: 't' }) +
    event(turnId, 3, { type: 'text-delta', id: 't', delta: text }) +
    event(turnId, 4, { type: 'text-end', id: 't' }) +
    event(turnId, 5, { type: 'finish' }) +
    'data: [DONE]\n\n'
  );
}

const streamOf =
  (turnId: string, multitask: string | null, text = 'answer'): Script =>
  (_request, response) => {
    response.writeHead(200, {
      ...sse,
      'x-durable-chat-turn-id': turnId,
      ...(multitask === null ? {} : { [multitaskHeader]: multitask }),
    });
    response.end(answer(turnId, text));
  };

const nothingRuns: Script = (_request, response) => response.writeHead(204).end();

const sessionWith =
  (pending: { id: string; text: string }[]): Script =>
  (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        id: 's1',
        messages: [],
        pending_messages: pending.map(({ id, text }) => ({
          id,
          role: 'user',
          parts: [{ type: 'text', text }],
          mode: 'steer',
          created_at: '2026-01-01T00:00:00.000Z',
        })),
      }),
    );
  };

async function textOf(stream: ResumableTurnStream): Promise<string> {
  let text = '';
  for await (const { chunk } of stream) if (chunk.type === 'text-delta') text += chunk.delta;
  return text;
}

/**
 * The SDK's follow-up calls against a scripted HTTP server: what they put on the wire, and what
 * they make of the server's `x-durable-chat-multitask` and turn id headers.
 */
describe('DurableChatClient follow-ups on the wire', () => {
  let server: Server;
  let baseUrl: string;
  let scripts: Script[] = [];
  const requests: SeenRequest[] = [];
  before(async () => {
    server = createServer((request: IncomingMessage, response) => {
      let raw = '';
      request.setEncoding('utf8').on('data', (text: string) => (raw += text));
      request.on('end', () => {
        const seen: SeenRequest = {
          method: request.method ?? '',
          path: (request.url ?? '').replace(/\?.*$/, ''),
          body: raw === '' ? null : (JSON.parse(raw) as Record<string, unknown>),
        };
        requests.push(seen);
        const script = scripts.shift();
        if (script) script(seen, response);
        else response.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function run(...next: Script[]) {
    scripts = next;
    requests.length = 0;
    return new DurableChatClient({ baseUrl });
  }

  it('steer, queue and interrupt post the message with that multitask', async () => {
    const client = run(
      streamOf('T1', 'steered'),
      streamOf('T1', 'queued'),
      streamOf('T2', 'interrupted'),
    );
    const steered = await client.steer('s1', { text: 'use Paris, Texas', messageId: 'm-1' });
    const queued = await client.queue('s1', 'after that, Dallas');
    const interrupted = await client.interrupt('s1', 'forget it');
    assert.deepEqual(
      requests.map(({ method, path, body }) => [method, path, body?.multitask, body?.message]),
      [
        ['POST', '/api/chat/sessions/s1/stream', 'steer', 'use Paris, Texas'],
        ['POST', '/api/chat/sessions/s1/stream', 'queue', 'after that, Dallas'],
        ['POST', '/api/chat/sessions/s1/stream', 'interrupt', 'forget it'],
      ],
    );
    assert.equal(requests[0]?.body?.message_id, 'm-1');
    assert.deepEqual(
      [steered, queued, interrupted].map((stream) => [stream.multitask, stream.turnId]),
      [
        ['steered', 'T1'],
        ['queued', 'T1'],
        ['interrupted', 'T2'],
      ],
    );
    assert.equal(await textOf(steered), 'answer');
    await queued.close();
    await interrupted.close();
  });

  it('sendMessage sends multitask only when asked, and reports the outcome it got', async () => {
    const client = run(streamOf('T1', 'started'), streamOf('T2', null));
    const rejected = await client.sendMessage('s1', 'hello', { multitask: 'reject' });
    const plain = await client.sendMessage('s1', 'hello again');
    assert.equal(requests[0]?.body?.multitask, 'reject');
    assert.equal('multitask' in (requests[1]?.body ?? {}), false);
    assert.equal(rejected.multitask, 'started');
    assert.equal(plain.multitask, null, 'a server without follow-ups says nothing');
    assert.equal(plain.turnId, 'T2');
    await rejected.close();
    await plain.close();
  });

  it('a rejected follow-up is a DurableChatApiError with the server code', async () => {
    const client = run((_request, response) => {
      response.writeHead(409, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ error: { code: 'TURN_ALREADY_ACTIVE', message: 'a turn runs' } }),
      );
    });
    await assert.rejects(client.sendMessage('s1', 'hi', { multitask: 'reject' }), (error) => {
      assert.ok(error instanceof DurableChatApiError);
      assert.equal(error.code, 'TURN_ALREADY_ACTIVE');
      return true;
    });
  });

  it('the transport sends its multitask with every message, unless a send chooses another', async () => {
    run(streamOf('T1', 'steered'), streamOf('T2', 'interrupted'));
    const transport = createChatTransport({ baseUrl, multitask: 'queue' });
    const message: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] };
    const send = (body: object | undefined) =>
      transport.sendMessages({
        chatId: 's1',
        messages: [message],
        trigger: 'submit-message',
        messageId: undefined,
        abortSignal: undefined,
        ...(body ? { body } : {}),
      });
    await (await send(undefined)).cancel();
    await (await send({ multitask: 'interrupt' })).cancel();
    assert.deepEqual(
      requests.map(({ body }) => body?.multitask),
      ['queue', 'interrupt'],
    );
  });

  it('the transport tells onSent what the server did with a message before the answer is read', async () => {
    run(streamOf('T1', 'started', 'first'), streamOf('T1', 'steered', 'first'));
    const told: { sent: SentMessage; chunksReadBefore: boolean }[] = [];
    let chunksRead = false;
    const transport = createChatTransport({
      baseUrl,
      onSent: (sent) => {
        told.push({ sent, chunksReadBefore: chunksRead });
      },
    });
    const send = (id: string) =>
      transport.sendMessages({
        chatId: 's1',
        messages: [{ id, role: 'user', parts: [{ type: 'text', text: id }] }],
        trigger: 'submit-message',
        messageId: undefined,
        abortSignal: undefined,
      });
    for (const id of ['u1', 'u2']) {
      const reader = (await send(id)).getReader();
      while (!(await reader.read()).done) chunksRead = true;
      chunksRead = false;
    }
    assert.deepEqual(told, [
      {
        sent: { chatId: 's1', messageId: 'u1', multitask: 'started', turnId: 'T1' },
        chunksReadBefore: false,
      },
      {
        sent: { chatId: 's1', messageId: 'u2', multitask: 'steered', turnId: 'T1' },
        chunksReadBefore: false,
      },
    ]);
  });

  it('a send fails with the error onSent throws', async () => {
    run(streamOf('T1', 'steered'));
    const transport = createChatTransport({
      baseUrl,
      onSent: () => {
        throw new Error('the app could not take it');
      },
    });
    await assert.rejects(
      transport.sendMessages({
        chatId: 's1',
        messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
        trigger: 'submit-message',
        messageId: undefined,
        abortSignal: undefined,
      }),
      /the app could not take it/,
    );
  });

  it('followSession waits while a follow-up is pending and returns the turn it starts', async () => {
    const client = run(
      sessionWith([{ id: 'f1', text: 'and Dallas?' }]),
      streamOf('T1', null),
      sessionWith([{ id: 'f1', text: 'and Dallas?' }]),
      nothingRuns,
      sessionWith([]),
      streamOf('T2', null, 'about Dallas'),
    );
    const next = await client.followSession('s1', { afterTurnId: 'T1', pollIntervalMs: 1 });
    assert.ok(next !== null);
    assert.equal(next.turnId, 'T2');
    assert.equal(await textOf(next), 'about Dallas');
    assert.deepEqual(
      requests.map(({ method, path }) => `${method} ${path}`),
      [
        'GET /api/chat/sessions/s1',
        'GET /api/chat/sessions/s1/stream',
        'GET /api/chat/sessions/s1',
        'GET /api/chat/sessions/s1/stream',
        'GET /api/chat/sessions/s1',
        'GET /api/chat/sessions/s1/stream',
      ],
    );
  });

  it('followSession resolves null when nothing runs and nothing is pending', async () => {
    const client = run(sessionWith([]), nothingRuns);
    assert.equal(await client.followSession('s1', { afterTurnId: 'T1' }), null);
    assert.equal(requests.length, 2);
  });

  it('followSession gives up on a pending follow-up after pendingWaitMs', async () => {
    const waiting = sessionWith([{ id: 'f1', text: 'stuck' }]);
    const client = run(waiting, nothingRuns, waiting, nothingRuns, waiting, nothingRuns);
    assert.equal(await client.followSession('s1', { pendingWaitMs: 0, pollIntervalMs: 1 }), null);
    assert.equal(requests.length, 2, 'a wait of 0 looks once');
  });
});
