import { act, fireEvent, render, screen } from '@testing-library/react';
import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { installFakeClipboard, removeFakeClipboardAfterEach } from '../testing/fake-clipboard.ts';
import { MessageList } from './message-list.tsx';
import { MessageView } from './message-view.tsx';

const question: UIMessage = {
  id: 'u1',
  role: 'user',
  parts: [{ type: 'text', text: 'What is **2+2**?' }],
};
const answer: UIMessage = {
  id: 'a1',
  role: 'assistant',
  parts: [
    { type: 'step-start' },
    { type: 'text', text: 'Let me check.' },
    {
      type: 'tool-calculator',
      toolCallId: 'c1',
      state: 'output-available',
      input: { expression: '2+2' },
      output: { result: 4 },
    },
    { type: 'step-start' },
    { type: 'text', text: 'It is **4**:\n\n```ts\nconst four = 2 + 2;\n```' },
  ],
};

describe('message actions', () => {
  removeFakeClipboardAfterEach();

  it('copies a whole answer as markdown: its text parts, without the tool calls', async () => {
    const clipboard = installFakeClipboard();
    render(<MessageView message={answer} />);
    const copy = screen.getByRole('button', { name: 'Copy message' });
    await act(async () => {
      fireEvent.click(copy);
    });
    expect(clipboard.text).toBe('Let me check.\n\nIt is **4**:\n\n```ts\nconst four = 2 + 2;\n```');
    expect(copy.textContent).toBe('Copied');
  });

  it('copies a message of yours as you typed it', async () => {
    const clipboard = installFakeClipboard();
    render(<MessageView message={question} />);
    await act(async () => {
      fireEvent.click(screen.getByTestId('copy-message'));
    });
    expect(clipboard.text).toBe('What is **2+2**?');
  });

  it('offers no Copy while the answer is still streaming', () => {
    render(<MessageView message={answer} streaming />);
    expect(screen.queryByTestId('copy-message')).toBeNull();
  });
});

describe('message authors', () => {
  it('names every message after who wrote it, for screen readers', () => {
    render(<MessageList messages={[question, answer]} status="ready" />);
    const articles = screen.getAllByRole('article');
    expect(articles).toHaveLength(2);
    expect(screen.getByRole('article', { name: 'You' })).toBe(articles[0]);
    expect(screen.getByRole('article', { name: 'Assistant' })).toBe(articles[1]);
    expect(
      screen.getAllByRole('heading', { level: 2 }).map((heading) => heading.textContent),
    ).toEqual(['You', 'Assistant']);
  });
});
