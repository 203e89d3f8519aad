import type { ChatStatus, UIMessage } from 'ai';
import { useLayoutEffect, useRef, type ReactNode } from 'react';
import { MessageView } from './message-view.tsx';
import { WorkingIndicator } from './working-indicator.tsx';

/** Within this distance of the bottom, new text keeps the view scrolled to the end. */
const stickyDistancePx = 80;

/**
 * The conversation, scrolled to the end when it opens and kept there while an answer streams,
 * unless the reader scrolled up to read something earlier.
 */
export function MessageList({
  messages,
  status,
  children,
}: {
  messages: UIMessage[];
  status: ChatStatus;
  /** Notices shown after the last message (errors of the chat, a conflict). */
  children?: ReactNode;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const running = status === 'submitted' || status === 'streaming';
  const last = messages.at(-1);
  const waitingForAnswer = running && last?.role !== 'assistant';

  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
  });

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    const distance = element.scrollHeight - element.scrollTop - element.clientHeight;
    stickToBottom.current = distance < stickyDistancePx;
  };

  return (
    <div className="message-scroller" ref={scroller} onScroll={onScroll}>
      <div className="message-column">
        {messages.length === 0 && !running ? (
          <EmptyConversation />
        ) : (
          messages.map((message) => (
            <MessageView
              key={message.id}
              message={message}
              streaming={running && message === last && message.role === 'assistant'}
            />
          ))
        )}
        {waitingForAnswer && (
          <div className="message message-assistant pending-answer" data-testid="pending-answer">
            <WorkingIndicator />
          </div>
        )}
        {children}
      </div>
    </div>
  );
}

export function EmptyConversation() {
  return (
    <div className="empty-state" data-testid="empty-state">
      <h2>What can I help with?</h2>
      <p className="muted">
        Answers keep streaming when you reload, close the tab or switch devices, and Stop stops them
        everywhere.
      </p>
    </div>
  );
}
