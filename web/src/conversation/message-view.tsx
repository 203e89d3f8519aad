import type { UIMessage } from 'ai';
import { memo } from 'react';
import { MessagePartView } from '../parts/message-part-view.tsx';
import { formatUsage, readMessageOutcome, type MessageStatus } from './message-outcome.ts';

/**
 * One message of the conversation. An assistant message shows its parts, then how it ended:
 * a failed answer shows its error, a stopped one says so (its partial text stays), and a
 * finished one its token usage. `streaming` is true only for the answer arriving right now.
 */
export const MessageView = memo(function MessageView({
  message,
  streaming = false,
}: {
  message: UIMessage;
  streaming?: boolean;
}) {
  if (message.role === 'user') return <UserMessageView message={message} />;
  if (message.role !== 'assistant') return null;

  const outcome = readMessageOutcome(message.metadata);
  const status: MessageStatus = streaming ? 'streaming' : outcome.status;
  let afterContent = false;
  const parts = message.parts.map((part, index) => {
    const view = (
      <MessagePartView
        key={index}
        part={part}
        afterContent={afterContent}
        answerEnded={status !== 'streaming'}
      />
    );
    if (part.type !== 'step-start') afterContent = true;
    return view;
  });
  const isEmpty = !message.parts.some((part) => part.type !== 'step-start');
  // While text streams, a caret follows its last word (styles.css); otherwise dots show activity.
  const endsWithText = message.parts.at(-1)?.type === 'text';

  return (
    <article
      className={`message message-assistant status-${status}`}
      data-testid="message"
      data-role="assistant"
      data-message-id={message.id}
      data-status={status}
    >
      <div className="message-body">
        {parts}
        {status === 'streaming' && !endsWithText && <TypingDots />}
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
      {outcome.usage && status !== 'streaming' && (
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
    </article>
  );
});

function UserMessageView({ message }: { message: UIMessage }) {
  return (
    <article
      className="message message-user"
      data-testid="message"
      data-role="user"
      data-message-id={message.id}
    >
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
    </article>
  );
}

export function TypingDots() {
  return (
    <span className="typing-dots" aria-hidden="true">
      <span />
      <span />
      <span />
    </span>
  );
}
