import type { UIMessage } from 'ai';
import { ApiError } from './api-error.ts';
import { firstRenderedLine } from './markdown-plain-text.ts';

/** The message, if its text is not over the limit, and not empty unless it carries files. */
export function checkedMessage(message: UIMessage, maxMessageChars: number): UIMessage {
  const text = textOf(message);
  if (text.length > maxMessageChars) throw new ApiError('MESSAGE_TOO_LARGE');
  if (text.trim() === '' && !message.parts.some((part) => part.type === 'file')) {
    throw new ApiError('VALIDATION_FAILED', 'The message must not be empty.');
  }
  return message;
}

export function textOf(message: UIMessage): string {
  return message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/**
 * A title from the first message: the first line a reader sees once its markdown is rendered
 * (plain text, no `**`, `#` or link targets), at most 50 characters, cut at a word.
 */
export function titleFromMessage(message: UIMessage): string {
  const text = textOf(message);
  const line =
    firstRenderedLine(text) || (text.trim().split('\n')[0]?.replace(/\s+/g, ' ').trim() ?? '');
  if (line.length <= 50) return line;
  const cut = line.slice(0, 49);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > 20 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
