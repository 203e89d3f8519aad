import type { UIMessage } from 'ai';
import type { ReactNode } from 'react';
import { CopyButton } from '../copy-button.tsx';
import { messageMarkdown } from './message-content.ts';

/**
 * What a reader can do with a finished message: copy its text, as markdown, then whatever the
 * conversation adds (`children`: Edit, Regenerate, Retry). Copy does not show for a message
 * without text (a stop before the first word, a tool call alone); nothing shows without either.
 */
export function MessageActions({
  message,
  children,
}: {
  message: UIMessage;
  children?: ReactNode;
}) {
  const copyable = messageMarkdown(message) !== '';
  if (!copyable && !children) return null;
  return (
    <div className="message-actions" data-testid="message-actions">
      {copyable && (
        <CopyButton
          text={() => messageMarkdown(message)}
          accessibleName="Copy message"
          testId="copy-message"
        />
      )}
      {children}
    </div>
  );
}
