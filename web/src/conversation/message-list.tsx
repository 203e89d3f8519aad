import type { ChatStatus, UIMessage } from 'ai';
import { type ReactNode, useMemo } from 'react';
import type { Operation } from '../../../src/client/index.ts';
import { readContinuations, SessionOperationsContext } from '../parts/session-operations.ts';
import './conversation-scroll.css';
import { ConversationMessage, type MessageActionHandlers } from './conversation-message.tsx';
import { OlderMessagesStatus } from './older-messages-status.tsx';
import { PendingFollowUpView } from './pending-follow-up-view.tsx';
import type { PendingFollowUp } from './pending-follow-ups.ts';
import { ScrollToBottomButton } from './scroll-to-bottom-button.tsx';
import { useConversationScroll } from './use-conversation-scroll.ts';
import type { OlderMessages } from './use-older-messages.ts';
import { WorkingIndicator } from './working-indicator.tsx';

/**
 * The conversation, scrolled to the end when it opens and kept there while an answer streams,
 * unless the reader scrolled up to read something earlier (a button then brings them back).
 * A chat opened on its newest page loads the page before when the reader scrolls to the top.
 */
export function MessageList({
  messages,
  status,
  olderMessages,
  children,
  actions,
  pendingFollowUps = [],
  polledOperations = noPolledOperations,
}: {
  messages: UIMessage[];
  status: ChatStatus;
  /** The history before `messages`, when the chat was opened on its newest page. */
  olderMessages?: OlderMessages;
  /** Edit, Regenerate and Retry on the messages; none without it. */
  actions?: MessageActionHandlers;
  /** Messages sent while the answer streamed that it has not taken yet: shown after it. */
  pendingFollowUps?: PendingFollowUp[];
  /** The session's operations as last looked up, for the tool parts that started them. */
  polledOperations?: ReadonlyMap<string, Operation>;
  /** Notices shown after the last message (errors of the chat, a conflict). */
  children?: ReactNode;
}) {
  // After a failed load only the reader's "Try again" loads: no retries on every render.
  const { scrollerRef, onScroll, awayFromBottom, scrollToBottom } = useConversationScroll(
    olderMessages && !olderMessages.failed ? olderMessages.loadOlder : undefined,
  );
  const running = status === 'submitted' || status === 'streaming';
  const last = messages.at(-1);
  const waitingForAnswer = running && last?.role !== 'assistant';
  const continuations = useMemo(() => readContinuations(messages), [messages]);
  const operations = useMemo(
    () => ({ polled: polledOperations, continuations }),
    [polledOperations, continuations],
  );

  return (
    <div className="message-scroller" ref={scrollerRef} onScroll={onScroll}>
      <SessionOperationsContext value={operations}>
        <div className="message-column">
          {olderMessages && <OlderMessagesStatus {...olderMessages} />}
          {messages.length === 0 && !running ? (
            <EmptyConversation />
          ) : (
            messages.map((message) => (
              <ConversationMessage
                key={message.id}
                message={message}
                streaming={running && message === last && message.role === 'assistant'}
                last={message === last}
                {...(actions ? { actions } : {})}
              />
            ))
          )}
          {waitingForAnswer && (
            <div className="message message-assistant pending-answer" data-testid="pending-answer">
              <WorkingIndicator />
            </div>
          )}
          {pendingFollowUps.map((followUp) => (
            <PendingFollowUpView key={followUp.id} followUp={followUp} />
          ))}
          {children}
        </div>
      </SessionOperationsContext>
      {awayFromBottom && <ScrollToBottomButton onClick={scrollToBottom} />}
    </div>
  );
}

const noPolledOperations: ReadonlyMap<string, Operation> = new Map();

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
