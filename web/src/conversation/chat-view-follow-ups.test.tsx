import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { UIMessage, UIMessageChunk } from 'ai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createChatServices } from '../chat-services.ts';
import { FakeChatServer, FakeTurn } from '../testing/fake-chat-server.ts';
import { SessionPage } from './session-page.tsx';

const question: UIMessage = {
  id: 'q1',
  role: 'user',
  parts: [{ type: 'text', text: 'Plan a trip to Paris' }],
};

const answerBegins = (messageId: string, text: string): UIMessageChunk[] => [
  { type: 'start', messageId },
  { type: 'start-step' },
  { type: 'text-start', id: `${messageId}-1` },
  { type: 'text-delta', id: `${messageId}-1`, delta: text },
  { type: 'text-end', id: `${messageId}-1` },
];

let server: FakeChatServer;

beforeEach(() => {
  server = new FakeChatServer('session-1');
  vi.stubGlobal('fetch', server.fetch);
});
afterEach(() => vi.unstubAllGlobals());

/** Opens the session as the app does: its page loads, then its chat attaches to the turn. */
function openSession() {
  render(
    <SessionPage
      sessionId="session-1"
      services={createChatServices(() => null)}
      summary={undefined}
      firstMessage={undefined}
      onFirstMessageSent={() => {}}
      onTitleLoaded={() => {}}
      onActivity={() => {}}
      onRunningChange={() => {}}
      onAuthRequired={() => {}}
      onNewChat={() => {}}
    />,
  );
}

/** A session whose answer to `question` is streaming, open in the app. */
async function openWhileAnswering(): Promise<FakeTurn> {
  server.messages = [question];
  const turn = server.startTurn('turn-1');
  turn.push(...answerBegins('a1', 'Step 1 of 3.'));
  openSession();
  await waitFor(() => expect(chatStatus()).toBe('streaming'));
  await screen.findByText('Step 1 of 3.');
  return turn;
}

const chatStatus = () => screen.getByTestId('chat-status').dataset.status;
const composer = () => screen.getByRole<HTMLTextAreaElement>('textbox', { name: 'Message' });

function type(text: string) {
  fireEvent.change(composer(), { target: { value: text } });
}

/** The POSTs of follow-ups: the message sent and how it joins the running turn. */
const followUpPosts = () =>
  server.posts.map(({ body, headers }) => {
    const { messages, multitask } = body as { messages: UIMessage[]; multitask: string };
    return { message: messages[0], multitask, accept: headers.get('accept') };
  });

const textOf = (message: UIMessage | undefined) =>
  message?.parts.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');

const pendingTexts = () =>
  screen.queryAllByTestId('pending-follow-up').map((pending) => ({
    text: within(pending).getByTestId('message-text').textContent,
    marker: within(pending).getByTestId('pending-marker').textContent,
  }));

const shownMessages = () =>
  screen.getAllByTestId('message').map((message) => ({
    role: message.dataset.role,
    status: message.dataset.status,
    text: Array.from(message.querySelectorAll('[data-testid="message-text"]'))
      .map((text) => text.textContent)
      .join(''),
  }));

describe('ChatView: messages sent while an answer streams', () => {
  it('keeps the composer usable while streaming, and Enter posts the text as a steer', async () => {
    await openWhileAnswering();
    expect(composer().disabled).toBe(false);
    expect(screen.getByTestId('stop')).toBeTruthy();

    type('Paris, Texas');
    expect((screen.getByTestId('send') as HTMLButtonElement).disabled).toBe(false);
    fireEvent.keyDown(composer(), { key: 'Enter' });

    await waitFor(() => expect(followUpPosts()).toHaveLength(1));
    const [post] = followUpPosts();
    expect(post?.multitask).toBe('steer');
    expect(post?.accept).toBe('text/event-stream');
    expect(post?.message?.role).toBe('user');
    expect(textOf(post?.message)).toBe('Paris, Texas');
    expect(composer().value).toBe('');
    // The running answer goes on streaming where it was: the follow-up did not replace it.
    expect(chatStatus()).toBe('streaming');
    expect(shownMessages()).toEqual([
      { role: 'user', status: undefined, text: 'Plan a trip to Paris' },
      { role: 'assistant', status: 'streaming', text: 'Step 1 of 3.' },
    ]);
  });

  it('sends the text as an interrupt with Ctrl+Enter, ⌘+Enter and the Interrupt & send button', async () => {
    await openWhileAnswering();
    server.answerPost = () => new Response(null, { status: 200 });

    type('First');
    fireEvent.keyDown(composer(), { key: 'Enter', ctrlKey: true });
    type('Second');
    fireEvent.keyDown(composer(), { key: 'Enter', metaKey: true });
    type('Third');
    fireEvent.click(screen.getByRole('button', { name: 'Interrupt & send' }));

    await waitFor(() => expect(followUpPosts()).toHaveLength(3));
    expect(followUpPosts().map(({ message, multitask }) => [textOf(message), multitask])).toEqual([
      ['First', 'interrupt'],
      ['Second', 'interrupt'],
      ['Third', 'interrupt'],
    ]);
  });

  it('shows a follow-up as waiting until the answer takes it in, then in place in the answer', async () => {
    const turn = await openWhileAnswering();
    type('Paris, Texas');
    fireEvent.keyDown(composer(), { key: 'Enter' });

    expect(pendingTexts()).toEqual([
      { text: 'Paris, Texas', marker: 'Waiting for the answer to take it in' },
    ]);
    await waitFor(() => expect(followUpPosts()).toHaveLength(1));
    const sentId = followUpPosts()[0]?.message?.id ?? '';

    act(() =>
      turn.push(
        { type: 'start-step' },
        { type: 'steering-message', id: sentId, parts: [{ type: 'text', text: 'Paris, Texas' }] },
        { type: 'text-start', id: 'a1-2' },
        { type: 'text-delta', id: 'a1-2', delta: 'Noted: Paris, Texas.' },
      ),
    );

    await screen.findByText('Noted: Paris, Texas.');
    expect(pendingTexts()).toEqual([]);
    const answer = screen.getAllByTestId('message').at(-1) as HTMLElement;
    const steering = within(answer).getByRole('note', { name: 'Your follow-up' });
    expect(steering.dataset.messageId).toBe(sentId);
    expect(steering.textContent).toBe('Paris, Texas');
    // In place: after the text the model wrote before it, before its reply to it.
    expect(answer.querySelector('.message-body')?.textContent).toBe(
      'Step 1 of 3.Paris, TexasNoted: Paris, Texas.',
    );
  });

  it('shows the follow-ups the server lists as pending when the chat opens', async () => {
    server.pendingMessages = [
      {
        id: 'f1',
        role: 'user',
        parts: [{ type: 'text', text: 'Paris, Texas' }],
        mode: 'steer',
      },
    ];
    const turn = await openWhileAnswering();
    expect(pendingTexts()).toEqual([
      { text: 'Paris, Texas', marker: 'Waiting for the answer to take it in' },
    ]);

    act(() =>
      turn.push({
        type: 'steering-message',
        id: 'f1',
        parts: [{ type: 'text', text: 'Paris, Texas' }],
      }),
    );
    await waitFor(() => expect(pendingTexts()).toEqual([]));
    expect(screen.getByRole('note', { name: 'Your follow-up' }).textContent).toBe('Paris, Texas');
  });

  it('follows the next turn when the answer ends before taking a follow-up', async () => {
    const turn = await openWhileAnswering();
    type('And a hotel?');
    fireEvent.keyDown(composer(), { key: 'Enter' });
    await waitFor(() => expect(followUpPosts()).toHaveLength(1));
    const followUp = followUpPosts()[0]?.message as UIMessage;

    // The answer finishes without it; the server starts the next turn with it as its question.
    const finishedAnswer: UIMessage = {
      id: 'a1',
      role: 'assistant',
      parts: [{ type: 'step-start' }, { type: 'text', text: 'Step 1 of 3.' }],
    };
    server.messages = [question, finishedAnswer, followUp];
    const next = server.startTurn('turn-2');
    next.push(...answerBegins('a2', 'Hotel Lutetia.'));
    const streamReadsBefore = streamReads();
    act(() => {
      turn.push({ type: 'finish' });
      turn.end();
    });

    await screen.findByText('Hotel Lutetia.');
    expect(streamReads()).toBe(streamReadsBefore + 1);
    expect(pendingTexts()).toEqual([]);
    expect(shownMessages()).toEqual([
      { role: 'user', status: undefined, text: 'Plan a trip to Paris' },
      { role: 'assistant', status: 'completed', text: 'Step 1 of 3.' },
      { role: 'user', status: undefined, text: 'And a hotel?' },
      { role: 'assistant', status: 'streaming', text: 'Hotel Lutetia.' },
    ]);
    act(() => {
      next.push({ type: 'finish' });
      next.end();
    });
    await waitFor(() => expect(chatStatus()).toBe('ready'));
  });

  it('looks again for the next turn when it starts a moment after the answer ended', async () => {
    const turn = await openWhileAnswering();
    type('And a hotel?');
    fireEvent.keyDown(composer(), { key: 'Enter' });
    await waitFor(() => expect(followUpPosts()).toHaveLength(1));
    const followUp = followUpPosts()[0]?.message as UIMessage;

    const finishedAnswer: UIMessage = {
      id: 'a1',
      role: 'assistant',
      parts: [{ type: 'step-start' }, { type: 'text', text: 'Step 1 of 3.' }],
    };
    // The answer is stored, the follow-up still waits: its turn begins only after the first look.
    server.messages = [question, finishedAnswer];
    server.pendingMessages = [{ ...followUp, role: 'user', mode: 'steer' }];
    const readsAtEnd = server.detailReads;
    server.onRequest = () => {
      if (server.detailReads !== readsAtEnd + 2) return;
      server.messages = [question, finishedAnswer, followUp];
      server.pendingMessages = [];
      server.startTurn('turn-2').push(...answerBegins('a2', 'Hotel Lutetia.'));
    };
    act(() => {
      turn.push({ type: 'finish' });
      turn.end();
    });

    // Until then it stays shown as waiting, under the finished answer.
    await waitFor(() => expect(server.detailReads).toBe(readsAtEnd + 1));
    expect(pendingTexts().map(({ text }) => text)).toEqual(['And a hotel?']);
    expect(await screen.findByText('Hotel Lutetia.', {}, { timeout: 3000 })).toBeTruthy();
    expect(pendingTexts()).toEqual([]);
    expect(shownMessages().map(({ text }) => text)).toEqual([
      'Plan a trip to Paris',
      'Step 1 of 3.',
      'And a hotel?',
      'Hotel Lutetia.',
    ]);
  });

  it('shows an interrupted answer as stopped and streams the answer to the interruption', async () => {
    const turn = await openWhileAnswering();
    const next = new FakeTurn('turn-2');
    server.answerPost = (body) => {
      const [message] = (body as { messages: UIMessage[] }).messages;
      // As the server does: the running turn stops (its partial answer kept), the message starts the next.
      const stopped: UIMessage = {
        id: 'a1',
        role: 'assistant',
        parts: [{ type: 'step-start' }, { type: 'text', text: 'Step 1 of 3.' }],
        metadata: { status: 'cancelled' },
      };
      server.messages = [question, stopped, message as UIMessage];
      turn.push({ type: 'abort' });
      turn.end();
      server.running = next;
      next.push(...answerBegins('a2', 'Only Texas then.'));
      return next.response({ 'x-durable-chat-multitask': 'interrupted' });
    };

    type('Forget Paris, France');
    fireEvent.click(screen.getByRole('button', { name: 'Interrupt & send' }));

    await screen.findByText('Only Texas then.');
    expect(shownMessages()).toEqual([
      { role: 'user', status: undefined, text: 'Plan a trip to Paris' },
      { role: 'assistant', status: 'stopped', text: 'Step 1 of 3.' },
      { role: 'user', status: undefined, text: 'Forget Paris, France' },
      { role: 'assistant', status: 'streaming', text: 'Only Texas then.' },
    ]);
    expect(pendingTexts()).toEqual([]);
    act(() => {
      next.push({ type: 'finish' });
      next.end();
    });
    await waitFor(() => expect(chatStatus()).toBe('ready'));
  });

  it('makes a message sent while the chat looked idle a follow-up when it joins a turn started elsewhere', async () => {
    openSession();
    await screen.findByTestId('empty-state');
    expect(chatStatus()).toBe('ready');
    // Another tab starts a turn; this one has not noticed, and sends as to an idle chat.
    server.messages = [question];
    const turn = server.startTurn('turn-1');
    turn.push(...answerBegins('a1', 'Step 1 of 3.'));
    server.onRequest = ({ method, body }) => {
      if (method !== 'POST') return;
      const [message] = (body as { messages: UIMessage[] }).messages;
      server.pendingMessages = [{ ...(message as UIMessage), role: 'user', mode: 'steer' }];
    };
    type('Paris, Texas');
    fireEvent.keyDown(composer(), { key: 'Enter' });

    await screen.findByText('Step 1 of 3.');
    const [post] = followUpPosts();
    expect(post?.multitask).toBeUndefined();
    const sentId = post?.message?.id ?? '';
    // The answer replies to the other tab's question; the message waits under it.
    expect(shownMessages()).toEqual([
      { role: 'user', status: undefined, text: 'Plan a trip to Paris' },
      { role: 'assistant', status: 'streaming', text: 'Step 1 of 3.' },
    ]);
    expect(pendingTexts()).toEqual([
      { text: 'Paris, Texas', marker: 'Waiting for the answer to take it in' },
    ]);

    act(() =>
      turn.push(
        { type: 'start-step' },
        { type: 'steering-message', id: sentId, parts: [{ type: 'text', text: 'Paris, Texas' }] },
        { type: 'text-start', id: 'a1-2' },
        { type: 'text-delta', id: 'a1-2', delta: 'Noted: Paris, Texas.' },
      ),
    );
    await screen.findByText('Noted: Paris, Texas.');
    expect(pendingTexts()).toEqual([]);
    expect(screen.getAllByText('Paris, Texas')).toHaveLength(1);
    expect(screen.getByRole('note', { name: 'Your follow-up' }).dataset.messageId).toBe(sentId);
    expect(shownMessages().map(({ role }) => role)).toEqual(['user', 'assistant']);
    act(() => {
      turn.push({ type: 'finish' });
      turn.end();
    });
    await waitFor(() => expect(chatStatus()).toBe('ready'));
    expect(screen.queryByTestId('conflict-notice')).toBeNull();
  });

  it('gives the text back and says why when the server refuses a follow-up', async () => {
    await openWhileAnswering();
    server.answerPost = () =>
      new Response(
        JSON.stringify({
          error: { code: 'TOO_MANY_QUEUED_MESSAGES', message: 'Too many messages are waiting.' },
        }),
        { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '5' } },
      );
    type('One more thing');
    fireEvent.keyDown(composer(), { key: 'Enter' });

    expect(
      await screen.findByText('Your message was not sent: Too many messages are waiting.'),
    ).toBeTruthy();
    expect(composer().value).toBe('One more thing');
    expect(pendingTexts()).toEqual([]);
    expect(chatStatus()).toBe('streaming');
  });

  it('sends a follow-up with its files, and gives them back when the server refuses it', async () => {
    await openWhileAnswering();
    const attach = (name: string) =>
      fireEvent.change(screen.getByTestId('file-picker'), {
        target: { files: [new File(['a,b'], name, { type: 'text/csv' })] },
      });
    const uploaded = () =>
      waitFor(() => expect(screen.getByTestId('attachment').dataset.status).toBe('uploaded'));
    attach('first.csv');
    await uploaded();
    type('See the table');
    fireEvent.keyDown(composer(), { key: 'Enter' });
    await waitFor(() => expect(followUpPosts()).toHaveLength(1));
    expect(followUpPosts()[0]?.message?.parts).toEqual([
      { type: 'file', mediaType: 'text/csv', filename: 'first.csv', url: '/api/chat/files/file-1' },
      { type: 'text', text: 'See the table' },
    ]);
    expect(screen.queryByTestId('attachment')).toBeNull();

    server.answerPost = () =>
      Response.json(
        { error: { code: 'TOO_MANY_QUEUED_MESSAGES', message: 'Too many messages are waiting.' } },
        { status: 429 },
      );
    attach('second.csv');
    await uploaded();
    fireEvent.keyDown(composer(), { key: 'Enter' });
    expect(await screen.findByText(/Your message was not sent/)).toBeTruthy();
    expect(screen.getByTestId('attachment').dataset.filename).toBe('second.csv');
  });
});

function streamReads(): number {
  return server.requests.filter(({ method, path }) => method === 'GET' && path.endsWith('/stream'))
    .length;
}
