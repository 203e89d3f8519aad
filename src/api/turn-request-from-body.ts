import { type FileUIPart, isToolUIPart, type UIMessage } from 'ai';
import type { z } from 'zod';
import type { TurnRequest } from '../turn/turn-request.ts';
import { ApiError } from './api-error.ts';
import { checkedMessage } from './user-message.ts';
import type { ApprovalResponse } from '../protocol/tool-approvals.ts';
import {
  maxFilesPerMessage,
  seedStreamBodySchema,
  type streamBodySchema,
} from '../protocol/http-schemas.ts';
import { bareMediaType } from './allowed-media-type.ts';
import { uploadedFileUrl } from '../protocol/file-urls.ts';

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
  if (seed.message === '') {
    if (seed.file_ids?.length) {
      throw new ApiError('VALIDATION_FAILED', 'file_ids need a message to attach the files to.');
    }
    return { type: 'regenerate', messageId: seed.message_id ?? null };
  }
  // The files of `file_ids` become file parts once they are found (see attached-files.ts).
  const metadata = seed.context ? { context: seed.context } : {};
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

/** The uploaded files a seed body attaches to its message (`file_ids`); none for the transport's. */
export function fileIdsOf(body: StreamBody): string[] {
  return 'messages' in body && body.messages !== undefined
    ? []
    : (seedStreamBodySchema.parse(body).file_ids ?? []);
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
    } else if (part.type === 'file') {
      parts.push(filePartOf(part));
    } else {
      throw new ApiError(
        'VALIDATION_FAILED',
        `A user message may only contain text and file parts (got "${part.type}").`,
      );
    }
  }
  if (parts.filter((part) => part.type === 'file').length > maxFilesPerMessage) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `A message may carry at most ${maxFilesPerMessage} files.`,
    );
  }
  return checkedMessage({ id: last.id, role: 'user', parts }, maxMessageChars);
}

const maxFilenameChars = 255;

/**
 * A file part as `sendMessage({text, files})` sends it, kept as sent so it reloads the same: an
 * inline `data:` URL, or the url of an uploaded file (which must be the caller's, see
 * attached-files.ts). Anything else of the part is dropped. Not an http(s) URL: the AI SDK
 * downloads those for models that take no URLs, and the server would fetch whatever a user
 * named, inside our network.
 */
function filePartOf(part: Record<string, unknown>): FileUIPart {
  const { mediaType, url, filename } = part;
  if (
    typeof mediaType !== 'string' ||
    bareMediaType(mediaType) === null ||
    typeof url !== 'string' ||
    !(url.startsWith('data:') || uploadedFileUrl.test(url)) ||
    (filename !== undefined && (typeof filename !== 'string' || filename.length > maxFilenameChars))
  ) {
    throw new ApiError(
      'VALIDATION_FAILED',
      `A file part needs a mediaType (type/subtype), a url (a data: URL, or /api/chat/files/<id> of an uploaded file) and at most a ${maxFilenameChars}-character filename.`,
    );
  }
  return { type: 'file', mediaType, url, ...(filename === undefined ? {} : { filename }) };
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
