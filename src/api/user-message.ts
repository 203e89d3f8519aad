import type { UIMessage } from 'ai';
import type { z } from 'zod';
import { ApiError } from './api-error.ts';
import { firstRenderedLine } from './markdown-plain-text.ts';
import { seedStreamBodySchema, type streamBodySchema } from '../protocol/http-schemas.ts';

type StreamBody = z.infer<typeof streamBodySchema>;

/**
 * The one new message a POST carries, from either body shape. With the AI SDK transport the
 * server is the source of truth for history, so only the last message is taken.
 */
export function userMessageFromBody(body: StreamBody, maxMessageChars: number): UIMessage {
  if ('messages' in body) {
    if (body.trigger === 'regenerate-message') {
      throw new ApiError(
        'VALIDATION_FAILED',
        'Regenerating an answer is not supported yet; send a new message.',
      );
    }
    const last = body.messages.at(-1);
    if (last?.role !== 'user') {
      throw new ApiError(
        'VALIDATION_FAILED',
        'The last message must be the user message to answer.',
      );
    }
    const parts: UIMessage['parts'] = [];
    for (const part of last.parts) {
      if (part.type === 'text' && typeof part.text === 'string') {
        parts.push({ type: 'text', text: part.text });
      } else {
        throw new ApiError(
          'VALIDATION_FAILED',
          `A user message may only contain text parts (got "${part.type}").`,
        );
      }
    }
    return checkedMessage({ id: last.id, role: 'user', parts }, maxMessageChars);
  }
  const seed = seedStreamBodySchema.parse(body);
  const metadata = {
    ...(seed.context ? { context: seed.context } : {}),
    ...(seed.file_ids?.length ? { fileIds: seed.file_ids } : {}),
  };
  return checkedMessage(
    {
      id: seed.message_id ?? crypto.randomUUID(),
      role: seed.is_user_message ? 'user' : 'assistant',
      parts: [{ type: 'text', text: seed.message }],
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    },
    maxMessageChars,
  );
}

function checkedMessage(message: UIMessage, maxMessageChars: number): UIMessage {
  const text = textOf(message);
  if (text.length > maxMessageChars) throw new ApiError('MESSAGE_TOO_LARGE');
  if (text.trim() === '') throw new ApiError('VALIDATION_FAILED', 'The message must not be empty.');
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
