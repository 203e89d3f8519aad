import type { UIMessage } from 'ai';
import type { z } from 'zod';
import type * as schemas from '../protocol/http-schemas.ts';

/**
 * Response types of the HTTP API, inferred from the zod schemas that also generate the server's
 * `/openapi.json`. Type-only imports: a browser bundle carries none of zod for them.
 */
export type SessionSummary = z.infer<typeof schemas.sessionSummarySchema>;
export type ListSessionsResponse = z.infer<typeof schemas.listSessionsResponseSchema>;
export type CreateSessionResponse = z.infer<typeof schemas.createSessionResponseSchema>;
export type ActiveStream = z.infer<typeof schemas.activeStreamSchema>;
export type RenameSessionResponse = z.infer<typeof schemas.renameSessionResponseSchema>;
export type AssignUserResponse = z.infer<typeof schemas.assignUserResponseSchema>;
export type CancelResponse = z.infer<typeof schemas.cancelResponseSchema>;
export type TtlConfig = z.infer<typeof schemas.ttlConfigResponseSchema>;
export type AuthConfig = z.infer<typeof schemas.authConfigResponseSchema>;
export type WebConfig = z.infer<typeof schemas.webConfigResponseSchema>;
export type ErrorResponse = z.infer<typeof schemas.errorResponseSchema>;
/** An uploaded file; its `url` is what a file part attaching it to a message points at. */
export type UploadedFile = z.infer<typeof schemas.fileSchema>;
export type ListFilesResponse = z.infer<typeof schemas.listFilesResponseSchema>;

/**
 * Work a tool started that outlives the turn that called it (`getOperation`, and the
 * `operations` of `getSession`). `continuation_turn_id` is the turn that continued the
 * conversation with its outcome, once it started (`streamOperation` reads it).
 */
export type Operation = z.infer<typeof schemas.operationSchema>;
/** `pending` and `running` are in progress; the other four are how it ended. */
export type OperationStatus = z.infer<typeof schemas.operationStatusSchema>;
/** What a service reports when its operation ends (`completeOperation`). */
export type OperationCompletion = Pick<
  z.infer<typeof schemas.operationCompletionBodySchema>,
  'success' | 'result' | 'error'
>;
export type OperationCompletionResponse = z.infer<typeof schemas.operationCompletionResponseSchema>;
/**
 * How a service proves it may complete the operation: the token it was handed with the work
 * (valid for that operation only), or the server's `CHAT_INTERNAL_API_KEY` (any operation).
 */
export type OperationCredentials = { completionToken: string } | { apiKey: string };

/**
 * A session with its history (all of it, or one page: `has_more_messages`, `oldest_sequence`);
 * `messages` are AI SDK `UIMessage`s, oldest first, ready for `useChat`.
 */
export type SessionDetail = Omit<
  z.infer<typeof schemas.sessionDetailSchema>,
  'messages' | 'pending_messages'
> & {
  messages: UIMessage[];
  /** Follow-ups accepted but not yet handed to a model, oldest first. */
  pending_messages: PendingMessage[];
};

/**
 * A follow-up sent while a turn ran (`steer` or `queue`) that no model has received yet. It
 * leaves `pending_messages` when it lands: as a `steering-message` part of an answer, or as the
 * user message of the next turn.
 */
export interface PendingMessage {
  id: string;
  role: 'user';
  parts: UIMessage['parts'];
  metadata?: unknown;
  mode: 'steer' | 'queue';
  created_at: string;
}

/**
 * What to do with a message sent while a turn runs in the session (with no turn running, all
 * four start one):
 * - `steer` (the server's default): the running answer takes it at its next step;
 * - `queue`: the running turn takes it after its current task;
 * - `interrupt`: the running turn stops (partial answer kept) and a new turn answers it;
 * - `reject`: refused with `TURN_ALREADY_ACTIVE` (409).
 * A follow-up the running turn ends without taking starts the next turn.
 */
export type MultitaskStrategy = 'steer' | 'queue' | 'interrupt' | 'reject';

/** What the server did with a sent message (`x-durable-chat-multitask`); see `ResumableTurnStream.multitask`. */
export type MultitaskOutcome = 'started' | 'steered' | 'queued' | 'interrupted';

/**
 * One page of a session's history: the newest `limit` messages, or those before
 * `beforeSequence` (the `oldest_sequence` of the page read before). Without either, the whole
 * history.
 */
export interface SessionPageQuery {
  /** 1–200; 50 when only `beforeSequence` is given. */
  limit?: number;
  beforeSequence?: number;
}

export interface ListSessionsQuery {
  /** 1–100; the server's default is 50. */
  limit?: number;
  offset?: number;
  /**
   * Only sessions whose title or message text contains this (ignoring case; `%` and `_` are
   * plain characters); at most 200 characters. `total` then counts the matches.
   */
  search?: string;
}

/** What the page shows next to the message; the model sees it with the message. */
export interface PageContext {
  url?: string;
  content?: string;
}

export interface OutgoingMessage {
  text: string;
  /**
   * Client-chosen id of the user message. A resend with the same id re-attaches to its turn
   * instead of starting a second one; generated when omitted.
   */
  messageId?: string;
  context?: PageContext;
  /** Uploaded files (`uploadFile`) to attach: the message carries one file part per id. */
  fileIds?: readonly string[];
}

/** The user's answer to one tool approval request (`tool-approval-request.approvalId`). */
export interface ApprovalAnswer {
  approvalId: string;
  approved: boolean;
  /** Why; the model reads it with a denial. */
  reason?: string;
}
