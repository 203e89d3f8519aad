import type { UIMessage } from 'ai';
import { ApiError } from './api-error.ts';

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
