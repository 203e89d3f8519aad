import type { UIMessage } from 'ai';

type Part = UIMessage['parts'][number];

/**
 * Whether a part shows anything to the reader. A model's stream opens its text before the first
 * word arrives (`text-start`), so a message can hold an empty text part for a long time: that is
 * still "no answer yet", as is a step marker.
 */
export function isVisiblePart(part: Part): boolean {
  if (part.type === 'step-start') return false;
  if (part.type === 'text' || part.type === 'reasoning') return part.text.trim() !== '';
  return true;
}

export function hasVisibleContent(message: UIMessage): boolean {
  return message.parts.some(isVisiblePart);
}

/** The message's text as the model (or the user) wrote it, markdown included: what Copy copies. */
export function messageMarkdown(message: UIMessage): string {
  return message.parts
    .flatMap((part) => (part.type === 'text' && part.text.trim() !== '' ? [part.text.trim()] : []))
    .join('\n\n');
}
