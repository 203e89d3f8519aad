import { render, screen } from '@testing-library/react';
import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { MessageList } from './message-list.tsx';
import { MessageView } from './message-view.tsx';

function assistant(parts: unknown[], metadata?: unknown): UIMessage {
  return { id: 'a1', role: 'assistant', parts: parts as UIMessage['parts'], metadata };
}

const usage = { inputTokens: 12, outputTokens: 48, totalTokens: 60 };

describe('MessageView', () => {
  it('marks a finished answer completed and shows its token usage', () => {
    render(<MessageView message={assistant([{ type: 'text', text: 'Done.' }], { usage })} />);
    const message = screen.getByTestId('message');
    expect(message.dataset.role).toBe('assistant');
    expect(message.dataset.messageId).toBe('a1');
    expect(message.dataset.status).toBe('completed');
    expect(screen.getByTestId('usage').textContent).toBe('12 in · 48 out');
    expect(screen.queryByTestId('error-notice')).toBeNull();
    expect(screen.queryByTestId('stopped-notice')).toBeNull();
  });

  it('shows a streaming answer as streaming, without usage yet', () => {
    render(
      <MessageView message={assistant([{ type: 'text', text: 'Partial' }], { usage })} streaming />,
    );
    expect(screen.getByTestId('message').dataset.status).toBe('streaming');
    expect(screen.getByTestId('message-text').textContent).toBe('Partial');
    expect(screen.queryByTestId('usage')).toBeNull();
  });

  it('shows a failed answer as an error with the text the server gave, keeping its partial text', () => {
    render(
      <MessageView
        message={assistant([{ type: 'text', text: 'Half an ans' }], {
          status: 'failed',
          errorText: 'The model is temporarily unavailable.',
        })}
      />,
    );
    expect(screen.getByTestId('message').dataset.status).toBe('failed');
    expect(screen.getByTestId('error-notice').textContent).toBe(
      'The model is temporarily unavailable.',
    );
    expect(screen.getByTestId('message-text').textContent).toBe('Half an ans');
    expect(screen.queryByTestId('stopped-notice')).toBeNull();
  });

  it('shows a failure before any answer as an error, not as an empty message', () => {
    render(<MessageView message={assistant([], { status: 'failed' })} />);
    expect(screen.getByTestId('error-notice').textContent).toBe(
      'The answer could not be completed.',
    );
  });

  it('shows a stopped answer as stopped, not as an error, keeping its partial text', () => {
    render(
      <MessageView
        message={assistant([{ type: 'text', text: 'So far so' }], { status: 'cancelled', usage })}
      />,
    );
    expect(screen.getByTestId('message').dataset.status).toBe('stopped');
    expect(screen.getByTestId('stopped-notice').textContent).toBe('Stopped');
    expect(screen.getByTestId('message-text').textContent).toBe('So far so');
    expect(screen.queryByTestId('error-notice')).toBeNull();
    expect(screen.getByTestId('usage').textContent).toBe('12 in · 48 out');
  });

  it('ignores metadata it does not understand', () => {
    render(
      <MessageView
        message={assistant([{ type: 'text', text: 'ok' }], {
          status: 'weird',
          usage: { inputTokens: 'many' },
        })}
      />,
    );
    expect(screen.getByTestId('message').dataset.status).toBe('completed');
    expect(screen.queryByTestId('usage')).toBeNull();
  });

  it('renders every part of an answer in order', () => {
    render(
      <MessageView
        message={assistant([
          { type: 'step-start' },
          { type: 'reasoning', text: 'thinking', state: 'done' },
          {
            type: 'tool-calculator',
            toolCallId: 'c1',
            state: 'output-available',
            input: { expression: '1+1' },
            output: { result: 2 },
          },
          { type: 'step-start' },
          { type: 'text', text: 'It is **2**.' },
          { type: 'data-trace', data: { step: 2 } },
        ])}
      />,
    );
    const body = screen.getByTestId('message').querySelector('.message-body');
    const order = [...(body?.querySelectorAll('[data-testid]') ?? [])].map(
      (element) => (element as HTMLElement).dataset.testid,
    );
    expect(order).toEqual([
      'reasoning',
      'tool-call',
      'tool-call-summary',
      'tool-input',
      'tool-output',
      'step-start',
      'message-text',
      'data-part',
    ]);
  });

  it('shows user text as typed, without interpreting markdown', () => {
    render(
      <MessageView
        message={{
          id: 'u1',
          role: 'user',
          parts: [{ type: 'text', text: '**not bold**\nline 2' }],
        }}
      />,
    );
    const message = screen.getByTestId('message');
    expect(message.dataset.role).toBe('user');
    expect(message.dataset.status).toBeUndefined();
    expect(screen.getByTestId('message-text').textContent).toBe('**not bold**\nline 2');
    expect(message.querySelector('strong')).toBeNull();
  });
});

describe('MessageList', () => {
  const user: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] };

  it('shows the empty state when the chat has no messages', () => {
    render(<MessageList messages={[]} status="ready" />);
    expect(screen.getByTestId('empty-state')).toBeTruthy();
  });

  it('shows that an answer is coming while the request waits for its first chunk', () => {
    render(<MessageList messages={[user]} status="submitted" />);
    expect(screen.getByTestId('pending-answer')).toBeTruthy();
    expect(screen.getAllByTestId('message')).toHaveLength(1);
  });

  it('marks only the last assistant message as streaming while the chat streams', () => {
    const earlier = assistant([{ type: 'text', text: 'old' }]);
    const latest = { ...assistant([{ type: 'text', text: 'new' }]), id: 'a2' };
    render(
      <MessageList messages={[user, earlier, { ...user, id: 'u2' }, latest]} status="streaming" />,
    );
    const statuses = screen
      .getAllByTestId('message')
      .filter((element) => element.dataset.role === 'assistant')
      .map((element) => element.dataset.status);
    expect(statuses).toEqual(['completed', 'streaming']);
  });
});
