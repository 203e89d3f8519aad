import { getToolName, isToolUIPart, type UIMessage } from 'ai';

/** Longest tool input or output quoted in a transcript: a summary needs what was asked, not all of it. */
const toolValueChars = 300;

const speakers: Record<UIMessage['role'], string> = {
  user: 'User',
  assistant: 'Assistant',
  system: 'System',
};

/**
 * The messages as plain text, one paragraph per message, for a model to summarise: what each
 * side said, the tools called with what and what came back (cut to `toolValueChars`), the files
 * attached by name, and the user's messages that reached an answer while it ran. Reasoning and
 * stream bookkeeping are left out.
 */
export function transcriptOf(messages: readonly UIMessage[]): string {
  return messages
    .map((message) => {
      const lines = message.parts.flatMap((part): string[] => {
        if (part.type === 'text') return part.text.trim() === '' ? [] : [part.text];
        if (part.type === 'file')
          return [`[file ${part.filename ?? 'unnamed'} (${part.mediaType})]`];
        if (isToolUIPart(part)) {
          const outcome =
            part.state === 'output-available'
              ? ` returned ${quoted(part.output)}`
              : part.state === 'output-error'
                ? ` failed: ${part.errorText}`
                : '';
          return [`[called ${getToolName(part)} with ${quoted(part.input)}${outcome}]`];
        }
        if (part.type === 'steering-message') {
          const text = part.parts.flatMap((inner) => (inner.type === 'text' ? [inner.text] : []));
          return text.length === 0 ? [] : [`(the user, while this answer ran: ${text.join(' ')})`];
        }
        return [];
      });
      return lines.length === 0 ? '' : `${speakers[message.role]}: ${lines.join('\n')}`;
    })
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
}

function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > toolValueChars ? `${text.slice(0, toolValueChars)}…` : text;
}
