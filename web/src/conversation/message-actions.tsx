import type { UIMessage } from 'ai';
import { CopyButton } from '../copy-button.tsx';
import { messageMarkdown } from './message-content.ts';

/**
 * What a reader can do with a finished message: copy its text, as markdown. Nothing shows for
 * a message without text (a stop before the first word, a tool call alone).
 */
export function MessageActions({ message }: { message: UIMessage }) {
  if (messageMarkdown(message) === '') return null;
  return (
    <div className="message-actions" data-testid="message-actions">
      <CopyButton
        text={() => messageMarkdown(message)}
        accessibleName="Copy message"
        testId="copy-message"
      />
    </div>
  );
}
