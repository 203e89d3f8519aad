import { z } from 'zod';

/**
 * Request and response shapes of the HTTP API. The same schemas validate requests and generate
 * `/openapi.json`, so the documentation cannot drift from the behaviour.
 */

export const identifierSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

export const listSessionsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  search: z.string().max(200).optional().meta({
    description:
      'Only sessions whose title or message text contains this, ignoring case and taken literally',
  }),
});

/** Largest `before_sequence`: sequence numbers are Postgres `integer`s. */
export const maxSequence = 2_147_483_647;

/**
 * `GET /sessions/:id` reads the whole history without either parameter (as clients before
 * paging expect), and one page with any of them.
 */
export const getSessionQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Messages per page, 1–200 (50 when only before_sequence is given)' }),
  before_sequence: z.coerce.number().int().min(1).max(maxSequence).optional().meta({
    description:
      'Only messages older than this sequence number: the oldest_sequence of the page read before',
  }),
});

export const defaultMessagePageSize = 50;

export const renameSessionBodySchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'title must not be blank')
    .max(200)
    .meta({ description: 'New title; blank titles are rejected' }),
});

const pageContextSchema = z
  .object({ url: z.string().max(2048).optional(), content: z.string().max(100_000).optional() })
  .meta({ description: 'What the user is looking at; shown to the model with the message' });

/** What a new message does when a turn is already running in its session. */
export const multitaskSchema = z.enum(['steer', 'queue', 'interrupt', 'reject']).meta({
  description:
    'When a turn is running: `steer` (default) — the running answer takes the message at its next step; `queue` — after its current task; `interrupt` — the running turn stops (as a Stop) and a new turn answers; `reject` — 409 TURN_ALREADY_ACTIVE. A message the running turn ends without taking starts the next turn. With no turn running all four start one',
});

/** File parts (or `file_ids`) one message may carry. */
export const maxFilesPerMessage = 20;

/** The seed's body: one message as text, or none to answer the last message again. */
export const seedStreamBodySchema = z.object({
  message: z.string().default('').meta({
    description:
      'The message to answer. Absent or empty: regenerate — the last answer (or the one `message_id` names) is replaced by a new answer to its message',
  }),
  is_user_message: z.boolean().default(true),
  context: pageContextSchema.nullish(),
  file_ids: z.array(z.string().max(128)).max(maxFilesPerMessage).nullish().meta({
    description:
      'Uploaded files (POST /api/chat/files) to attach: the stored message carries one file part per file, before its text. Unknown, deleted or foreign ids: 422 UNKNOWN_FILE_IDS naming them in details.file_ids',
  }),
  multitask: multitaskSchema.optional(),
  message_id: identifierSchema.optional().meta({
    description:
      'With a message: its client-chosen id, unique within the session (the same id in another session is another message); a retried POST with the same id in the same session re-attaches instead of starting a second turn. Without one: the id of the answer to regenerate, which makes a retried regenerate re-attach too',
  }),
});

const uiMessagePartSchema = z.looseObject({ type: z.string().min(1).max(100) });

export const uiMessageSchema = z.looseObject({
  id: identifierSchema,
  role: z.enum(['system', 'user', 'assistant']),
  parts: z.array(uiMessagePartSchema).max(1000),
  metadata: z.unknown().optional(),
});

/** The AI SDK `DefaultChatTransport` body: the whole conversation; the server uses the last message. */
export const transportStreamBodySchema = z.looseObject({
  id: z.string().max(128).optional(),
  messages: z.array(uiMessageSchema).min(1).max(10_000),
  trigger: z.enum(['submit-message', 'regenerate-message']).default('submit-message').meta({
    description:
      '`regenerate-message` replaces an answer with a new one (`regenerate()`); `submit-message` with `messageId` edits that earlier message and answers it again (`sendMessage({text, messageId})`)',
  }),
  messageId: identifierSchema.nullish().meta({
    description:
      'Regenerate: the answer to replace (the last one when absent). Edit: the message the last message rewrites. Everything after the message answered is removed',
  }),
  multitask: multitaskSchema.optional(),
});

/** A body with `messages` is the transport's: a malformed one is never read as a seed regenerate. */
export const streamBodySchema = z.union([
  transportStreamBodySchema,
  seedStreamBodySchema.extend({ messages: z.never().optional() }),
]);

export const listFilesQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

export const fileSchema = z.object({
  id: z.string(),
  filename: z.string(),
  media_type: z.string().meta({ description: 'What the download answers with as Content-Type' }),
  size_bytes: z.number().int(),
  created_at: z.iso.datetime(),
  url: z.string().meta({
    description:
      'Where to download it (relative to the API origin); the url of the file parts that attach it to a message',
  }),
});

export const listFilesResponseSchema = z.object({
  files: z.array(fileSchema).meta({ description: 'Newest first' }),
  total: z.number().int(),
});

export const sessionSummarySchema = z.object({
  id: z.string(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  title: z.string().nullable(),
  active: z.boolean().meta({ description: 'A turn is running in this session' }),
});

export const listSessionsResponseSchema = z.object({
  sessions: z.array(sessionSummarySchema),
  total: z.number().int(),
});

export const createSessionResponseSchema = z.object({
  id: z.string(),
  created_at: z.iso.datetime(),
  user_id: z.string().nullable(),
});

export const activeStreamSchema = z.object({
  turn_id: z.string(),
  last_message_id: z.string().meta({ description: 'Id of the user message that started the turn' }),
  assistant_message_id: z
    .string()
    .meta({ description: '`start.messageId` of the streamed answer' }),
});

export const pendingMessageSchema = z.object({
  id: z.string(),
  role: z.literal('user'),
  parts: z.array(uiMessagePartSchema),
  metadata: z.unknown().optional(),
  mode: z.enum(['steer', 'queue']),
  created_at: z.iso.datetime(),
});

export const sessionDetailSchema = z.object({
  id: z.string(),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
  user_id: z.string().nullable(),
  title: z.string().nullable(),
  messages: z.array(uiMessageSchema).meta({
    description: 'Oldest first: the whole history, or with limit/before_sequence one page of it',
  }),
  has_more_messages: z.boolean().meta({ description: 'Older messages exist before these' }),
  oldest_sequence: z.number().int().nullable().meta({
    description: 'Sequence number of the first message here; pass it as before_sequence',
  }),
  total_prompt_tokens: z.number().int().meta({ description: 'Input tokens of every turn' }),
  total_completion_tokens: z.number().int().meta({ description: 'Output tokens of every turn' }),
  active_stream: activeStreamSchema.nullable().meta({
    description: 'The running turn; always null on an older page (with before_sequence)',
  }),
  pending_messages: z.array(pendingMessageSchema).meta({
    description:
      'Follow-ups posted while a turn ran that no model has received yet, oldest first. One leaves this list when an answer takes it (a `steering-message` part there) or when it starts a turn (a user message in `messages`)',
  }),
  operations: z.array(z.lazy(() => operationSchema)).meta({
    description: 'Long-running operations tools started in this session, oldest first',
  }),
});

export const renameSessionResponseSchema = z.object({
  status: z.literal('ok').meta({ description: "The seed's answer; the other fields are ours" }),
  id: z.string(),
  title: z.string(),
});

export const assignUserResponseSchema = z.object({ status: z.literal('ok'), user_id: z.string() });

export const cancelResponseSchema = z.object({
  cancelled: z.boolean(),
  reason: z.string().optional(),
});

export const ttlConfigResponseSchema = z.object({
  stream_ttl_seconds: z
    .number()
    .int()
    .meta({ description: 'Seconds a finished turn stays replayable (the seed name)' }),
  stream_ttl_ms: z.number().int().meta({ description: 'The same in milliseconds' }),
  stream_ttl: z.number().int().meta({ description: 'Same as stream_ttl_seconds' }),
  heartbeat_interval: z.number().int().meta({ description: 'Seconds between SSE heartbeats' }),
  cancel_force_close: z
    .number()
    .meta({ description: 'Seconds before a cancelled turn is force-closed' }),
});

export const authConfigResponseSchema = z.object({
  auth_required: z.boolean().meta({
    description:
      'Session routes need `Authorization: Bearer <token>` (JWT_SECRET or JWKS_URL is set); false in anonymous mode',
  }),
  anonymous_allowed: z.boolean().meta({
    description:
      'A caller without a token may create and use sessions nobody owns (never listed; a signed-in user can claim one with assign-user). Always true in anonymous mode; with auth on, the ALLOW_ANONYMOUS setting',
  }),
});

export const webConfigResponseSchema = z.object({
  image_origins: z.array(z.string()).meta({
    description:
      'Origins (`https://images.example.com`) answer images may load from (IMAGE_HOSTS); the web app shows an image from anywhere else as a link, and its Content-Security-Policy blocks it',
  }),
});

export const healthResponseSchema = z.object({
  status: z.literal('healthy'),
  service: z.literal('chat'),
  version: z.string().meta({ description: 'The server package version' }),
});

export const readyResponseSchema = z.object({ status: z.literal('ready') });

export const errorResponseSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const operationCompletionBodySchema = z
  .object({
    success: z.boolean().meta({ description: 'Whether the operation did its work' }),
    result: z.unknown().optional().meta({
      description: 'What it produced (success): becomes the tool call output the model reads',
    }),
    error: z.string().max(10_000).optional().meta({
      description: 'Why it failed (no success): the model explains it to the user',
    }),
    // The seed's queue message names its task too; accepted and ignored here.
    task_id: z.string().optional(),
    operation_id: z.string().optional(),
  })
  .meta({ description: "An operation's completion, from the service that ran it" });

export const operationStatusSchema = z.enum([
  'pending',
  'running',
  'completed',
  'failed',
  'expired',
  'cancelled',
]);

export const operationSchema = z
  .object({
    id: z.string(),
    session_id: z.string(),
    tool_name: z.string(),
    tool_call_id: z.string().meta({ description: 'The tool call (part) that started it' }),
    assistant_message_id: z.string().meta({ description: 'The message holding that tool call' }),
    input: z.unknown(),
    status: operationStatusSchema,
    result: z.unknown().meta({ description: 'What its service returned (completed); else null' }),
    error: z.string().nullable(),
    deadline: z.iso.datetime(),
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
    continuation_turn_id: z.string().nullable().meta({
      description:
        'The turn that continued the conversation with its outcome; stream it with GET /api/chat/operations/{id}/stream',
    }),
  })
  .meta({ description: 'Work a tool started that outlives the turn that called it' });

export const operationCompletionResponseSchema = z.object({
  status: z.literal('ok'),
  operation_id: z.string(),
  operation_status: operationStatusSchema,
  already_ended: z.boolean().meta({
    description: 'The operation had ended before (a repeated completion): nothing changed',
  }),
});
