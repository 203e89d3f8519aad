import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { DurableChatClient } from '../../src/client/index.ts';
import { TerminalChat } from '../../src/client/cli/terminal-chat.ts';
import { waitFor } from '../support/wait-for.ts';

interface HeldRequest {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
  response: ServerResponse;
}

const event = (turnId: string, position: number, chunk: object) =>
  `id: ${turnId}:${position}\ndata: ${JSON.stringify(chunk)}\n\n`;

function openStream(response: ServerResponse, turnId: string, multitask: string): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'x-durable-chat-turn-id': turnId,
    'x-durable-chat-multitask': multitask,
  });
}

/** The start of an answer: `start`, and text `words` at positions 2.. (returns the next one). */
function writeStart(response: ServerResponse, turnId: string, words: string): number {
  response.write(event(turnId, 1, { type: 'start', messageId: `answer-${turnId}` }));
  response.write(event(turnId, 2, { type: 'text-start', id: 't' }));
  response.write(event(turnId, 3, { type: 'text-delta', id: 't', delta: words }));
  return 4;
}

function writeEnd(response: ServerResponse, turnId: string, position: number, type = 'finish') {
  response.end(`${event(turnId, position, { type })}data: [DONE]\n\n`);
}

/**
 * The CLI's follow-ups (lines typed while an answer streams) against a scripted server that the
 * test drives request by request: what the CLI posts, and what it prints where.
 */
describe('the CLI sends lines typed during an answer as follow-ups', () => {
  let server: Server;
  let baseUrl: string;
  const held: HeldRequest[] = [];
  before(async () => {
    server = createServer((request, response) => {
      let raw = '';
      request.setEncoding('utf8').on('data', (text: string) => (raw += text));
      request.on('end', () => {
        held.push({
          method: request.method ?? '',
          path: (request.url ?? '').replace(/\?.*$/, ''),
          body: raw === '' ? null : (JSON.parse(raw) as Record<string, unknown>),
          response,
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  function startChat() {
    held.length = 0;
    const input = new PassThrough();
    const output = new PassThrough();
    const notices = new PassThrough();
    let printed = '';
    let noticed = '';
    output.setEncoding('utf8').on('data', (text: string) => (printed += text));
    notices.setEncoding('utf8').on('data', (text: string) => (noticed += text));
    const chat = new TerminalChat({
      client: new DurableChatClient({ baseUrl }),
      sessionId: 's1',
      input,
      output,
      notices,
      liveInput: true,
    });
    const exit = chat.run({ resume: false });
    const request = async (index: number) => {
      await waitFor(() => held.length > index, { message: `request ${index + 1}` });
      return held[index] as HeldRequest;
    };
    return { input, exit, request, printed: () => printed, noticed: () => noticed };
  }

  it('steers a plain line into the running answer and shows it there', async () => {
    const chat = startChat();
    chat.input.write('Plan a trip\n');
    const first = await chat.request(0);
    openStream(first.response, 'T1', 'started');
    const position = writeStart(first.response, 'T1', 'Step 1 of 2.');
    await waitFor(() => chat.printed().includes('Step 1 of 2.'));

    chat.input.write('use Paris, Texas\n');
    const followUp = await chat.request(1);
    assert.equal(followUp.method, 'POST');
    assert.equal(followUp.body?.multitask, 'steer');
    assert.equal(followUp.body?.message, 'use Paris, Texas');
    openStream(followUp.response, 'T1', 'steered');
    writeStart(followUp.response, 'T1', 'Step 1 of 2.');
    await waitFor(() => chat.noticed().includes('[sent: the answer takes it at its next step]'));

    first.response.write(
      event('T1', position, {
        type: 'steering-message',
        id: followUp.body?.message_id,
        parts: [{ type: 'text', text: 'use Paris, Texas' }],
      }),
    );
    first.response.write(
      event('T1', position + 1, { type: 'text-delta', id: 't', delta: 'Noted: use Paris, Texas.' }),
    );
    writeEnd(first.response, 'T1', position + 2);
    await waitFor(() => chat.printed().includes('Noted'));
    chat.input.end();
    assert.equal(await chat.exit, 0);
    assert.match(chat.noticed(), /› you: use Paris, Texas\n/);
    assert.equal(chat.printed(), 'Step 1 of 2.\nNoted: use Paris, Texas.\n');
    assert.equal(held.length, 2, 'a follow-up that landed in the answer needs no follow');
  });

  it('queues with /queue and follows the next turn it starts', async () => {
    const chat = startChat();
    chat.input.write('Count\n');
    const first = await chat.request(0);
    openStream(first.response, 'T1', 'started');
    const position = writeStart(first.response, 'T1', 'Done.');
    await waitFor(() => chat.printed().includes('Done.'));

    chat.input.write('/queue and then?\n');
    const followUp = await chat.request(1);
    assert.equal(followUp.body?.multitask, 'queue');
    assert.equal(followUp.body?.message, 'and then?');
    openStream(followUp.response, 'T1', 'queued');
    writeStart(followUp.response, 'T1', 'Done.');
    await waitFor(() => chat.noticed().includes('[queued'));
    writeEnd(first.response, 'T1', position);

    // The turn ended without taking it: the CLI looks for the turn the follow-up starts.
    const detail = await chat.request(2);
    assert.equal(`${detail.method} ${detail.path}`, 'GET /api/chat/sessions/s1');
    detail.response.writeHead(200, { 'content-type': 'application/json' });
    detail.response.end(JSON.stringify({ pending_messages: [] }));
    const resume = await chat.request(3);
    assert.equal(`${resume.method} ${resume.path}`, 'GET /api/chat/sessions/s1/stream');
    openStream(resume.response, 'T2', 'started');
    writeEnd(resume.response, 'T2', writeStart(resume.response, 'T2', 'Noted: and then.'));

    await waitFor(() => chat.printed().includes('Noted: and then.'));
    chat.input.end();
    assert.equal(await chat.exit, 0);
    assert.equal(chat.printed(), 'Done.\nNoted: and then.\n');
    assert.match(chat.noticed(), /› you: and then\?\n/);
  });

  it('interrupts with /interrupt: the answer stops and the new turn is shown', async () => {
    const chat = startChat();
    chat.input.write('Long story\n');
    const first = await chat.request(0);
    openStream(first.response, 'T1', 'started');
    const position = writeStart(first.response, 'T1', 'Once upon');
    await waitFor(() => chat.printed().includes('Once upon'));

    chat.input.write('/interrupt short one\n');
    const followUp = await chat.request(1);
    assert.equal(followUp.body?.multitask, 'interrupt');
    openStream(followUp.response, 'T2', 'interrupted');
    writeEnd(first.response, 'T1', position, 'abort');
    writeEnd(followUp.response, 'T2', writeStart(followUp.response, 'T2', 'Short.'));

    await waitFor(() => chat.printed().includes('Short.'));
    chat.input.end();
    assert.equal(await chat.exit, 0);
    assert.equal(chat.printed(), 'Once upon\nShort.\n');
    const notices = chat.noticed();
    assert.ok(
      notices.indexOf('[stopped]') < notices.indexOf('› you: short one'),
      'the new turn comes after the stopped one',
    );
    assert.equal(held.length, 2);
  });
});
