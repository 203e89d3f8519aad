import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai';
import { describe, expect, it, vi } from 'vitest';
import type { ChatServices } from '../chat-services.ts';
import { ChatView } from './chat-view.tsx';

const history: UIMessage[] = [
  { id: 'q1', role: 'user', parts: [{ type: 'text', text: 'First question' }] },
  { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'First answer' }] },
  { id: 'q2', role: 'user', parts: [{ type: 'text', text: 'Second question' }] },
  { id: 'a2', role: 'assistant', parts: [{ type: 'text', text: 'Second answer' }] },
];

function answerStream(messageId: string, text: string): ReadableStream<UIMessageChunk> {
  return new ReadableStream<UIMessageChunk>({
    start(controller) {
      controller.enqueue({ type: 'start', messageId });
      controller.enqueue({ type: 'text-start', id: 't' });
      controller.enqueue({ type: 'text-delta', id: 't', delta: text });
      controller.enqueue({ type: 'text-end', id: 't' });
      controller.enqueue({ type: 'finish' });
      controller.close();
    },
  });
}

/** A transport that records what the chat sent; `answers` are streamed back in turn. */
function renderChat(
  messages: UIMessage[],
  answers: (() => Promise<ReadableStream<UIMessageChunk>>)[],
) {
  const sendMessages = vi.fn<ChatTransport<UIMessage>['sendMessages']>(async () => {
    const next = answers.shift();
    if (!next) throw new Error('no answer scripted');
    return next();
  });
  const services = {
    client: { getSession: vi.fn(), cancelTurn: vi.fn() },
    transport: { sendMessages, reconnectToStream: vi.fn(async () => null) },
    onJoinedRunningTurn: () => () => {},
  } as unknown as ChatServices;
  render(
    <ChatView
      sessionId="session-1"
      initialMessages={messages}
      initialUpdatedAt={null}
      services={services}
      summary={undefined}
      onActivity={() => {}}
      onRunningChange={() => {}}
      onAuthRequired={() => {}}
    />,
  );
  return sendMessages;
}

/** The text of each message shown (its text parts, without headings and buttons). */
const texts = () =>
  screen.getAllByTestId('message').map((message) =>
    Array.from(message.querySelectorAll('[data-testid="message-text"]'))
      .map((text) => text.textContent)
      .join(''),
  );

describe('ChatView: regenerate, retry, edit', () => {
  it('Regenerate asks for a new answer naming the last one, which it replaces', async () => {
    const sendMessages = renderChat(history, [async () => answerStream('a3', 'Another answer')]);
    fireEvent.click(screen.getByTestId('regenerate-answer'));
    await waitFor(() => expect(texts().at(-1)).toBe('Another answer'));
    expect(sendMessages).toHaveBeenCalledTimes(1);
    const request = sendMessages.mock.calls[0]?.[0];
    expect(request?.trigger).toBe('regenerate-message');
    expect(request?.messageId).toBe('a2');
    expect(request?.messages.map((message) => message.id)).toEqual(['q1', 'a1', 'q2']);
    expect(texts()).toHaveLength(4);
    expect(screen.getByTestId('regenerate-answer')).toBeTruthy();
  });

  it('Edit and Save & send rewrite the message, drop what followed and show the new answer', async () => {
    const sendMessages = renderChat(history, [async () => answerStream('a1b', 'Rewritten answer')]);
    fireEvent.click(screen.getAllByTestId('edit-message')[0] as HTMLElement);
    fireEvent.change(screen.getByTestId('message-editor-input'), {
      target: { value: 'First, rewritten' },
    });
    fireEvent.click(screen.getByTestId('message-editor-save'));
    await waitFor(() => expect(texts()).toEqual(['First, rewritten', 'Rewritten answer']));
    const request = sendMessages.mock.calls[0]?.[0];
    expect(request?.trigger).toBe('submit-message');
    expect(request?.messageId).toBe('q1');
    expect(request?.messages).toHaveLength(1);
    expect(request?.messages[0]?.id).toBe('q1');
  });

  it('Edit keeps the files the message attached and changes only its text', async () => {
    const file = {
      type: 'file',
      mediaType: 'text/plain',
      filename: 'notes.txt',
      url: '/api/chat/files/f1',
    } as const;
    const withFile: UIMessage[] = [
      { id: 'q1', role: 'user', parts: [file, { type: 'text', text: 'Read this' }] },
      { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'Read it' }] },
    ];
    const sendMessages = renderChat(withFile, [async () => answerStream('a1b', 'Read again')]);
    fireEvent.click(screen.getByTestId('edit-message'));
    fireEvent.change(screen.getByTestId('message-editor-input'), {
      target: { value: 'Read this again' },
    });
    fireEvent.click(screen.getByTestId('message-editor-save'));
    await waitFor(() => expect(texts()).toEqual(['Read this again', 'Read again']));
    const sent = sendMessages.mock.calls[0]?.[0].messages[0];
    expect(sent?.parts).toEqual([file, { type: 'text', text: 'Read this again' }]);
  });

  it('Retry in the error of a request that never started answers the last message again', async () => {
    const refused = async (): Promise<ReadableStream<UIMessageChunk>> => {
      throw new Error('A backing service is unavailable; try again shortly.');
    };
    const sendMessages = renderChat(history.slice(0, 2), [
      refused,
      async () => answerStream('a2', 'Finally'),
    ]);
    fireEvent.change(screen.getByTestId('composer-input'), {
      target: { value: 'Second question' },
    });
    fireEvent.click(screen.getByTestId('send'));
    await waitFor(() => expect(screen.getByTestId('retry-after-error')).toBeTruthy());
    fireEvent.click(screen.getByTestId('retry-after-error'));
    await waitFor(() => expect(texts().at(-1)).toBe('Finally'));
    const retry = sendMessages.mock.calls[1]?.[0];
    expect(retry?.trigger).toBe('regenerate-message');
    expect(retry?.messageId).toBeUndefined();
    expect(retry?.messages.at(-1)?.parts).toEqual([{ type: 'text', text: 'Second question' }]);
    expect(screen.queryByTestId('error-notice')).toBeNull();
  });
});
