import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  DurableChatApiError,
  DurableChatClient,
  DurableChatProtocolError,
  type TurnStreamEvent,
} from '../../src/client/index.ts';

type Script = (request: IncomingMessage, response: ServerResponse) => void;

const sse = { 'content-type': 'text/event-stream' };
const event = (turnId: string, position: number, chunk: object) =>
  `id: ${turnId}:${position}\ndata: ${JSON.stringify(chunk)}\n\n`;
const delta = (turnId: string, position: number) =>
  event(turnId, position, { type: 'text-delta', id: 't', delta: `${position} ` });

/**
 * A plain HTTP server that answers each stream request with the next scripted response, for the
 * wire cases a correct durable-chat server never produces (gaps, garbage, an old server that
 * replays from the start) or produces only under failures (503, a body cut between events).
 */
describe('the resumable reader against scripted wire behaviour', () => {
  let server: Server;
  let baseUrl: string;
  let scripts: Script[] = [];
  const requests: { method: string; lastEventId: string | undefined }[] = [];
  before(async () => {
    server = createServer((request, response) => {
      requests.push({
        method: request.method ?? '',
        lastEventId: request.headers['last-event-id'] as string | undefined,
      });
      const script = scripts.shift();
      if (script) script(request, response);
      else response.writeHead(500).end();
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

  async function readAll(client: DurableChatClient): Promise<TurnStreamEvent[]> {
    const stream = await client.sendMessage('s1', 'hi', { reconnect: { initialDelayMs: 1 } });
    const events: TurnStreamEvent[] = [];
    for await (const received of stream) events.push(received);
    return events;
  }

  it('resumes a body that ended between events with Last-Event-ID, and ends at [DONE]', async () => {
    const client = run(
      (_request, response) => {
        response.writeHead(200, sse);
        response.end(delta('T', 1) + delta('T', 2));
      },
      (_request, response) => {
        response.writeHead(200, sse);
        response.end(
          `: heartbeat\n\n${delta('T', 3)}${event('T', 4, { type: 'finish' })}data: [DONE]\n\n`,
        );
      },
    );
    const events = await readAll(client);
    assert.deepEqual(
      events.map((received) => received.position),
      [1, 2, 3, 4],
    );
    assert.deepEqual(requests, [
      { method: 'POST', lastEventId: undefined },
      { method: 'GET', lastEventId: 'T:2' },
    ]);
  });

  it('resumes the announced turn from its start when a connection breaks before its first chunk, even once it ended', async () => {
    const announced = { ...sse, 'x-durable-chat-turn-id': 'T' };
    const client = run(
      (_request, response) => {
        response.writeHead(200, announced);
        response.end(': heartbeat\n\n');
      },
      (_request, response) => {
        response.writeHead(200, announced);
        response.end(`${delta('T', 1)}${event('T', 2, { type: 'finish' })}data: [DONE]\n\n`);
      },
    );
    const stream = await client.resumeTurn('s1', { reconnect: { initialDelayMs: 1 } });
    assert.ok(stream);
    const events: TurnStreamEvent[] = [];
    for await (const received of stream) events.push(received);
    assert.deepEqual(
      events.map((received) => received.position),
      [1, 2],
    );
    // Without a cursor the reconnect would re-attach to whatever runs now: nothing, or another turn.
    assert.deepEqual(requests, [
      { method: 'GET', lastEventId: undefined },
      { method: 'GET', lastEventId: 'T:0' },
    ]);
  });

  it('drops what an older server replays from the start, delivering each position once', async () => {
    const client = run(
      (_request, response) => {
        response.writeHead(200, sse);
        response.end(delta('T', 1) + delta('T', 2) + delta('T', 3));
      },
      (_request, response) => {
        response.writeHead(200, sse);
        response.end(
          delta('T', 1) +
            delta('T', 2) +
            delta('T', 3) +
            delta('T', 4) +
            event('T', 5, { type: 'finish' }),
        );
      },
    );
    const events = await readAll(client);
    assert.deepEqual(
      events.map((received) => received.position),
      [1, 2, 3, 4, 5],
    );
  });

  it('retries a 503 on reconnect, but not a 409', async () => {
    const firstPart: Script = (_request, response) => {
      response.writeHead(200, sse);
      response.end(delta('T', 1));
    };
    const unavailable: Script = (_request, response) => {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'SERVICE_UNAVAILABLE', message: 'later' } }));
    };
    const rest: Script = (_request, response) => {
      response.writeHead(200, sse);
      response.end(`${event('T', 2, { type: 'finish' })}data: [DONE]\n\n`);
    };
    assert.equal((await readAll(run(firstPart, unavailable, rest))).length, 2);

    const gone: Script = (_request, response) => {
      response.writeHead(409, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'CURSOR_OUT_OF_RANGE', message: 'reload' } }));
    };
    await assert.rejects(readAll(run(firstPart, gone, rest)), (error: unknown) => {
      assert.ok(error instanceof DurableChatApiError);
      assert.equal(error.code, 'CURSOR_OUT_OF_RANGE');
      return true;
    });
    assert.equal(requests.length, 2, 'a 409 is not retried');
  });

  it('ends with a terminal chunk sent without an id (the turn was lost), at the last position, without reconnecting', async () => {
    const lost: Script = (_request, response) => {
      response.writeHead(200, sse);
      response.end(
        `${delta('T', 1)}${delta('T', 2)}data: ${JSON.stringify({ type: 'error', errorText: 'gone' })}\n\ndata: [DONE]\n\n`,
      );
    };
    const events = await readAll(run(lost));
    assert.deepEqual(
      events.map(({ turnId, position, chunk }) => [turnId, position, chunk.type]),
      [
        ['T', 1, 'text-delta'],
        ['T', 2, 'text-delta'],
        ['T', 2, 'error'],
      ],
    );
    assert.equal(requests.length, 1);
  });

  it('refuses gaps, garbage, events without ids and non-stream answers, without retrying', async () => {
    const cases: [string, string, RegExp][] = [
      ['a gap', delta('T', 1) + delta('T', 3), /Position 2 of turn T is missing/],
      ['not JSON', `id: T:1\ndata: {oops\n\n`, /not JSON/],
      ['not a chunk', `id: T:1\ndata: [1,2]\n\n`, /not a UI message chunk/],
      ['no id', `data: {"type":"start"}\n\n`, /has no "<turnId>:<position>" id/],
      ['another turn', delta('T', 1) + delta('U', 2), /moved from turn T to turn U/],
    ];
    for (const [label, body, message] of cases) {
      const client = run((_request, response) => {
        response.writeHead(200, sse);
        response.end(body);
      });
      await assert.rejects(readAll(client), (error: unknown) => {
        assert.ok(error instanceof DurableChatProtocolError, `${label}: ${error}`);
        assert.match(error.message, message, label);
        return true;
      });
      assert.equal(requests.length, 1, `${label}: not retried`);
    }
    const html = run((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html></html>');
    });
    await assert.rejects(readAll(html), /Expected an event stream, got "text\/html"/);
  });
});
