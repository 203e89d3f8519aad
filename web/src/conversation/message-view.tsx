import type { UIMessage } from 'ai';
import { memo, useId, type ReactNode } from 'react';
import { MessagePartView } from '../parts/message-part-view.tsx';
import { OperationNoticeView } from '../parts/operation-notice-view.tsx';
import { MessageActions } from './message-actions.tsx';
import { hasVisibleContent, isVisiblePart } from './message-content.ts';
import { formatUsage, readMessageOutcome, type MessageStatus } from './message-outcome.ts';
import { WorkingIndicator } from './working-indicator.tsx';

/**
 * One message of the conversation. An assistant message shows its parts, then how it ended:
 * a failed answer shows its error, a stopped one says so (its partial text stays), and a
 * finished one its token usage. `streaming` is true only for the answer arriving right now.
 * Each message is an `article` named after its author by a heading only screen readers see.
 */
export const MessageView = memo(function MessageView({
  message,
  streaming = false,
  actions,
}: {
  message: UIMessage;
  streaming?: boolean;
  /** Actions after Copy in the message's footer (Edit, Regenerate, Retry). */
  actions?: ReactNode;
}) {
  if (message.role === 'user') return <UserMessageView message={message} actions={actions} />;
  if (message.role === 'system') return <OperationNoticeView message={message} />;
  if (message.role !== 'assistant') return null;
  return <AssistantMessageView message={message} streaming={streaming} actions={actions} />;
});

interface MessageViewProps {
  message: UIMessage;
  actions: ReactNode;
}

function AssistantMessageView({
  message,
  streaming,
  actions,
}: MessageViewProps & { streaming: boolean }) {
  const headingId = useId();
  const outcome = readMessageOutcome(message.metadata);
  const status: MessageStatus = streaming ? 'streaming' : outcome.status;
  let afterContent = false;
  const parts = message.parts.map((part, index) => {
    // An empty text part (opened, no word yet) would show as an empty bubble.
    if ((part.type === 'text' || part.type === 'reasoning') && !isVisiblePart(part)) return null;
    const view = (
      <MessagePartView
        key={index}
        part={part}
        afterContent={afterContent}
        answerEnded={status !== 'streaming'}
      />
    );
    if (isVisiblePart(part)) afterContent = true;
    return view;
  });
  const isEmpty = !hasVisibleContent(message);
  // While text streams, a caret follows its last word (styles.css); otherwise the indicator
  // shows that the answer is being worked on (before its first word, or while a tool runs).
  const last = message.parts.at(-1);
  const endsWithText = last?.type === 'text' && isVisiblePart(last);
  const working = status === 'streaming' && !endsWithText;

  return (
    <article
      className={`message message-assistant status-${status}`}
      data-testid="message"
      data-role="assistant"
      data-message-id={message.id}
      data-status={status}
      aria-labelledby={headingId}
    >
      <h2 id={headingId} className="visually-hidden">
        Assistant
      </h2>
      <div className="message-body">
        {parts}
        {working && <WorkingIndicator />}
      </div>
      {status === 'failed' && (
        <div className="notice notice-error" data-testid="error-notice" role="alert">
          {outcome.errorText ?? 'The answer could not be completed.'}
        </div>
      )}
      {status === 'stopped' && (
        <div className="notice notice-stopped" data-testid="stopped-notice">
          {isEmpty ? 'Stopped before answering' : 'Stopped'}
        </div>
      )}
      {status !== 'streaming' && (
        <div className="message-footer">
          <MessageActions message={message}>{actions}</MessageActions>
          {outcome.usage && (
            <div
              className="usage"
              data-testid="usage"
              title={
                outcome.usage.totalTokens !== undefined
                  ? `${outcome.usage.totalTokens} tokens in total`
                  : undefined
              }
            >
              {formatUsage(outcome.usage)}
            </div>
          )}
        </div>
      )}
    </article>
  );
}

function UserMessageView({ message, actions }: MessageViewProps) {
  const headingId = useId();
  return (
    <article
      className="message message-user"
      data-testid="message"
      data-role="user"
      data-message-id={message.id}
      aria-labelledby={headingId}
    >
      <h2 id={headingId} className="visually-hidden">
        You
      </h2>
      <div className="message-body">
        {message.parts.map((part, index) =>
          part.type === 'text' ? (
            <div key={index} className="user-text" data-testid="message-text">
              {part.text}
            </div>
          ) : part.type === 'step-start' ? null : (
            <MessagePartView key={index} part={part} afterContent />
          ),
        )}
      </div>
      <div className="message-footer">
        <MessageActions message={message}>{actions}</MessageActions>
      </div>
    </article>
  );
}
