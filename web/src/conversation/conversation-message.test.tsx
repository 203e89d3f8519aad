import { fireEvent, render, screen } from '@testing-library/react';
import type { UIMessage } from 'ai';
import { describe, expect, it, vi } from 'vitest';
import { ConversationMessage, type MessageActionHandlers } from './conversation-message.tsx';
import { MessageList } from './message-list.tsx';

const question: UIMessage = { id: 'q1', role: 'user', parts: [{ type: 'text', text: 'Hi there' }] };
const answer = (metadata?: unknown): UIMessage => ({
  id: 'a1',
  role: 'assistant',
  parts: [{ type: 'text', text: 'Hello!' }],
  metadata,
});

function actions(overrides: Partial<MessageActionHandlers> = {}): MessageActionHandlers {
  return { onRegenerate: vi.fn(), onEdit: vi.fn(), busy: false, ...overrides };
}

describe('ConversationMessage', () => {
  it('offers Regenerate after Copy on the last answer, naming it', () => {
    const handlers = actions();
    render(<ConversationMessage message={answer()} streaming={false} last actions={handlers} />);
    const footer = screen.getByTestId('message-actions');
    expect(
      Array.from(footer.querySelectorAll('button')).map((button) => button.dataset.testid),
    ).toEqual(['copy-message', 'regenerate-answer']);
    fireEvent.click(screen.getByRole('button', { name: 'Regenerate this answer' }));
    expect(handlers.onRegenerate).toHaveBeenCalledWith('a1');
    expect(screen.queryByTestId('retry-answer')).toBeNull();
  });

  it('offers Retry instead under a failed or a stopped answer', () => {
    for (const status of ['failed', 'cancelled']) {
      const handlers = actions();
      const { unmount } = render(
        <ConversationMessage
          message={answer({ status })}
          streaming={false}
          last
          actions={handlers}
        />,
      );
      fireEvent.click(screen.getByTestId('retry-answer'));
      expect(handlers.onRegenerate).toHaveBeenCalledWith('a1');
      expect(screen.queryByTestId('regenerate-answer')).toBeNull();
      unmount();
    }
  });

  it('offers nothing on an earlier answer, a streaming one, or while a turn runs', () => {
    const cases = [
      { last: false, streaming: false, busy: false },
      { last: true, streaming: true, busy: false },
      { last: true, streaming: false, busy: true },
    ];
    for (const { last, streaming, busy } of cases) {
      const { unmount } = render(
        <ConversationMessage
          message={answer()}
          streaming={streaming}
          last={last}
          actions={actions({ busy })}
        />,
      );
      expect(screen.queryByTestId('regenerate-answer')).toBeNull();
      expect(screen.queryByTestId('retry-answer')).toBeNull();
      unmount();
    }
  });

  it('Edit opens an inline editor in place of the message; Save & send edits it', () => {
    const handlers = actions();
    render(
      <ConversationMessage message={question} streaming={false} last={false} actions={handlers} />,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Edit this message' }));
    expect(screen.queryByTestId('message')).toBeNull();
    const input = screen.getByTestId<HTMLTextAreaElement>('message-editor-input');
    expect(input.value).toBe('Hi there');
    fireEvent.change(input, { target: { value: 'Hi again' } });
    fireEvent.click(screen.getByTestId('message-editor-save'));
    expect(handlers.onEdit).toHaveBeenCalledWith('q1', 'Hi again');
    expect(screen.queryByTestId('message-editor')).toBeNull();
    expect(screen.getByTestId('message')).toBeTruthy();
  });

  it('Cancel closes the editor unchanged and gives focus back to Edit', () => {
    const handlers = actions();
    render(
      <ConversationMessage message={question} streaming={false} last={false} actions={handlers} />,
    );
    fireEvent.click(screen.getByTestId('edit-message'));
    fireEvent.click(screen.getByTestId('message-editor-cancel'));
    expect(handlers.onEdit).not.toHaveBeenCalled();
    expect(screen.getByTestId('message-text').textContent).toBe('Hi there');
    expect(document.activeElement).toBe(screen.getByTestId('edit-message'));
  });

  it('closes an open editor when a turn starts', () => {
    const handlers = actions();
    const { rerender } = render(
      <ConversationMessage message={question} streaming={false} last={false} actions={handlers} />,
    );
    fireEvent.click(screen.getByTestId('edit-message'));
    rerender(
      <ConversationMessage
        message={question}
        streaming={false}
        last={false}
        actions={{ ...handlers, busy: true }}
      />,
    );
    expect(screen.queryByTestId('message-editor')).toBeNull();
  });

  it('offers Edit for a message with files, editing its text only', () => {
    const handlers = actions();
    const file = { type: 'file', mediaType: 'text/plain', url: '/api/chat/files/f1' } as const;
    const withFile: UIMessage = { ...question, parts: [file, ...question.parts] };
    render(
      <ConversationMessage message={withFile} streaming={false} last={false} actions={handlers} />,
    );
    fireEvent.click(screen.getByTestId('edit-message'));
    const editor = screen.getByTestId('message-editor-input') as HTMLTextAreaElement;
    expect(editor.value).toBe('Hi there');
  });
});

describe('MessageList with actions', () => {
  it('puts Edit under every question and Regenerate under the last answer only', () => {
    const messages: UIMessage[] = [
      question,
      { ...answer(), id: 'a0' },
      { ...question, id: 'q2' },
      answer(),
    ];
    render(<MessageList messages={messages} status="ready" actions={actions()} />);
    expect(screen.getAllByTestId('edit-message')).toHaveLength(2);
    expect(screen.getAllByTestId('regenerate-answer')).toHaveLength(1);
  });

  it('shows no actions without handlers', () => {
    render(<MessageList messages={[question, answer()]} status="ready" />);
    expect(screen.queryByTestId('edit-message')).toBeNull();
    expect(screen.queryByTestId('regenerate-answer')).toBeNull();
    expect(screen.getAllByTestId('copy-message')).toHaveLength(2);
  });
});
