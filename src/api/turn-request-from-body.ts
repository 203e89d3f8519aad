import { isToolUIPart, type UIMessage } from 'ai';
import type { z } from 'zod';
import type { TurnRequest } from '../turn/turn-request.ts';
import { ApiError } from './api-error.ts';
import { checkedMessage } from './user-message.ts';
import type { ApprovalResponse } from '../protocol/tool-approvals.ts';
import { seedStreamBodySchema, type streamBodySchema } from '../protocol/http-schemas.ts';

type StreamBody = z.infer<typeof streamBodySchema>;

/**
 * What a POST asks for, from either body shape. With the AI SDK transport the server is the
 * source of truth for history, so only the last message is read: the new message, the edited
 * one, the question a regenerate without `messageId` answers again, or — an assistant message,
 * as `useChat` sends after `addToolApprovalResponse` — the approvals it answers.
 */
export function turnRequestFromBody(body: StreamBody, maxMessageChars: number): TurnRequest {
  if ('messages' in body && body.messages !== undefined) {
    const messageId = body.messageId ?? null;
    if (body.trigger === 'regenerate-message') {
      if (messageId !== null || body.messages.at(-1)?.role !== 'user') {
        return { type: 'regenerate', messageId };
      }
      // `regenerate()` without an id: answer the chat's last message, which the client may hold
      // alone (a send that failed on the way): then it is sent.
      const question = lastUserMessage(body.messages, maxMessageChars);
      return { type: 'regenerate', messageId: question.id, sendIfMissing: question };
    }
    if (body.messages.at(-1)?.role === 'assistant') return approvalOf(body.messages, messageId);
    const message = lastUserMessage(body.messages, maxMessageChars);
    if (messageId === null) return { type: 'message', message };
    if (messageId !== message.id) {
      throw new ApiError(
        'VALIDATION_FAILED',
        'To edit a message, send it as the last message, with its id as messageId.',
      );
    }
    return { type: 'edit', message };
  }
  const seed = seedStreamBodySchema.parse(body);
  // The seed runs a turn on the stored history when no message comes: answer it again.
  if (seed.message === '') return { type: 'regenerate', messageId: seed.message_id ?? null };
  const metadata = {
    ...(seed.context ? { context: seed.context } : {}),
    ...(seed.file_ids?.length ? { fileIds: seed.file_ids } : {}),
  };
  const message = checkedMessage(
    {
      id: seed.message_id ?? crypto.randomUUID(),
      role: seed.is_user_message ? 'user' : 'assistant',
      parts: [{ type: 'text', text: seed.message }],
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    },
    maxMessageChars,
  );
  return { type: 'message', message };
}

function lastUserMessage(
  messages: z.infer<typeof streamBodySchema>['messages'] & object,
  maxMessageChars: number,
): UIMessage {
  const last = messages.at(-1);
  if (last?.role !== 'user') {
    throw new ApiError('VALIDATION_FAILED', 'The last message must be the user message to answer.');
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

const maxReasonChars = 2000;

/**
 * The approvals an answered assistant message carries: its tool parts in `approval-responded`.
 * Nothing else of the message is read — the stored one is the truth, the client only decides.
 */
function approvalOf(
  messages: z.infer<typeof streamBodySchema>['messages'] & object,
  messageId: string | null,
): TurnRequest {
  const answer = messages.at(-1);
  if (answer === undefined || (messageId !== null && messageId !== answer.id)) {
    throw new ApiError(
      'VALIDATION_FAILED',
      'To answer tool approvals, send the answer as the last message, with its id as messageId.',
    );
  }
  const responses: ApprovalResponse[] = [];
  for (const part of answer.parts as UIMessage['parts']) {
    if (!isToolUIPart(part) || part.state !== 'approval-responded') continue;
    const { id, approved, reason } = (part.approval ?? {}) as Record<string, unknown>;
    if (
      typeof id !== 'string' ||
      id === '' ||
      id.length > 256 ||
      typeof approved !== 'boolean' ||
      (reason !== undefined && (typeof reason !== 'string' || reason.length > maxReasonChars))
    ) {
      throw new ApiError(
        'VALIDATION_FAILED',
        `An approval needs an id, approved (a boolean) and at most a ${maxReasonChars}-character reason.`,
      );
    }
    if (responses.some((response) => response.approvalId === id)) continue;
    responses.push({
      approvalId: id,
      approved,
      ...(typeof reason === 'string' ? { reason } : {}),
    });
  }
  if (responses.length === 0) {
    throw new ApiError(
      'VALIDATION_FAILED',
      'An assistant message is sent only to answer tool approvals (parts in approval-responded).',
    );
  }
  return { type: 'approval', assistantMessageId: answer.id, responses };
}
