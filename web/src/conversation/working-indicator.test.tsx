import { render, screen } from '@testing-library/react';
import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { MessageList } from './message-list.tsx';
import { MessageView } from './message-view.tsx';

function assistant(parts: unknown[], metadata?: unknown): UIMessage {
  return { id: 'a1', role: 'assistant', parts: parts as UIMessage['parts'], metadata };
}

const user: UIMessage = { id: 'u1', role: 'user', parts: [{ type: 'text', text: 'Hi' }] };
/** What a stream holds between `text-start` and its first word (and what a stop then keeps). */
const openedText = [{ type: 'step-start' }, { type: 'text', text: '', state: 'streaming' }];

describe('the working indicator', () => {
  it('shows, as an announced status, while the request waits for the first chunk', () => {
    render(<MessageList messages={[user]} status="submitted" />);
    expect(screen.getByTestId('pending-answer')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('Working…');
  });

  it('shows in an answer whose text was opened but has no word yet, with no empty text', () => {
    render(<MessageList messages={[user, assistant(openedText)]} status="streaming" />);
    const answer = screen.getAllByTestId('message')[1];
    expect(answer?.dataset.status).toBe('streaming');
    expect(answer?.querySelector('[data-testid="working-indicator"]')).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('Working…');
    expect(answer?.querySelector('[data-testid="message-text"]')).toBeNull();
    expect(screen.queryByTestId('pending-answer')).toBeNull();
  });

  it('gives way to the text once the first word arrives', () => {
    render(
      <MessageView
        message={assistant([{ type: 'step-start' }, { type: 'text', text: 'Hello' }])}
        streaming
      />,
    );
    expect(screen.getByTestId('message-text').textContent).toBe('Hello');
    expect(screen.queryByTestId('working-indicator')).toBeNull();
  });

  it('shows again while a tool call runs after some text', () => {
    render(
      <MessageView
        message={assistant([
          { type: 'text', text: 'Let me calculate.' },
          { type: 'tool-calculator', toolCallId: 'c1', state: 'input-available', input: {} },
        ])}
        streaming
      />,
    );
    expect(screen.getByTestId('working-indicator')).toBeTruthy();
  });

  it('is gone once the answer ended', () => {
    render(<MessageView message={assistant(openedText, { status: 'cancelled' })} />);
    expect(screen.queryByTestId('working-indicator')).toBeNull();
  });
});

describe('an answer stopped before its first word', () => {
  it('says "Stopped before answering" when it kept an empty text part', () => {
    render(<MessageView message={assistant(openedText, { status: 'cancelled' })} />);
    expect(screen.getByTestId('message').dataset.status).toBe('stopped');
    expect(screen.getByTestId('stopped-notice').textContent).toBe('Stopped before answering');
    expect(screen.queryByTestId('message-text')).toBeNull();
    expect(screen.queryByTestId('copy-message')).toBeNull();
  });

  it('says "Stopped before answering" when it has no parts at all', () => {
    render(<MessageView message={assistant([], { status: 'cancelled' })} />);
    expect(screen.getByTestId('stopped-notice').textContent).toBe('Stopped before answering');
  });

  it('says just "Stopped" when some words came first', () => {
    render(
      <MessageView
        message={assistant([{ type: 'text', text: 'Half' }], { status: 'cancelled' })}
      />,
    );
    expect(screen.getByTestId('stopped-notice').textContent).toBe('Stopped');
  });
});
