import type { UIMessage } from 'ai';
import { z } from 'zod';
import { jsonOfBody } from './message-body.ts';
import type { CarriedConversation, TurnJob } from '../turn-queue.ts';

/**
 * The most bytes a job's JSON may take with its conversation: past it, the job goes without
 * (the executor reads the conversation from the store, one statement, as it does for any job
 * without one). Turn jobs stay small messages: a quorum queue writes every body to each replica's
 * log before confirming it, so a long conversation would slow every publish it rides on and
 * grow the broker's memory and disk with history the store holds anyway. 64 KiB still holds
 * about twenty exchanges with page-long answers (files travel as URLs, never bytes), which is
 * most conversations; the ones past it were the costliest to carry.
 */
export const maxCarryingJobBytes = 64 * 1024;

/**
 * A message as the store returns one, checked lightly: its parts are passed on as they are
 * (the AI SDK's part types are many and grow), never rebuilt, so the object deep-equals what
 * was sent.
 */
const messageShapeSchema = z.looseObject({
  id: z.string(),
  role: z.enum(['system', 'user', 'assistant']),
  parts: z.array(z.looseObject({ type: z.string() })),
});
const messageSchema = z.custom<UIMessage>((value) => messageShapeSchema.safeParse(value).success);

/** JSON carries a `Date` as its ISO 8601 text; it is revived here. */
const conversationSchema = z.object({
  messages: z.array(messageSchema),
  pendingMessages: z.array(
    z.object({
      sessionId: z.string(),
      message: messageSchema,
      mode: z.enum(['steer', 'queue', 'continue']),
      createdAt: z.iso.datetime().transform((text) => new Date(text)),
    }),
  ),
}) satisfies z.ZodType<CarriedConversation>;

/**
 * The wire form of a turn job: its JSON, checked on the way in since any client may publish.
 * The conversation is checked on its own (see `decodeTurnJob`).
 */
const turnJobSchema = z.object({
  turnId: z.string().min(1),
  sessionId: z.string().min(1),
  userId: z.string().nullable(),
  userMessageId: z.string().min(1),
  assistantMessageId: z.string().min(1),
  enqueuedAt: z.number(),
  conversation: z.unknown().optional(),
});

const cancelSchema = z.object({ turnId: z.string().min(1) });

/** The job's JSON, with its conversation when it has one that fits `maxCarryingJobBytes`. */
export function encodeTurnJob(job: TurnJob): Buffer {
  const { turnId, sessionId, userId, userMessageId, assistantMessageId, enqueuedAt } = job;
  const fields = { turnId, sessionId, userId, userMessageId, assistantMessageId, enqueuedAt };
  if (job.conversation !== undefined) {
    const carrying = Buffer.from(JSON.stringify({ ...fields, conversation: job.conversation }));
    if (carrying.length <= maxCarryingJobBytes) return carrying;
  }
  return Buffer.from(JSON.stringify(fields));
}

export interface DecodedTurnJob {
  job: TurnJob;
  /**
   * The message carried a conversation that failed its check: the job runs without it (its
   * executor reads the conversation from the store), since the job itself is sound.
   */
  conversationDropped: boolean;
}

/** Null for a message that is not a turn job. */
export function decodeTurnJob(body: unknown): DecodedTurnJob | null {
  const parsed = parseBody(body, turnJobSchema);
  if (parsed === null) return null;
  const { conversation: carried, ...job } = parsed;
  if (carried === undefined) return { job, conversationDropped: false };
  const conversation = conversationSchema.safeParse(carried);
  return conversation.success
    ? { job: { ...job, conversation: conversation.data }, conversationDropped: false }
    : { job, conversationDropped: true };
}

export function encodeCancel(turnId: string): Buffer {
  return Buffer.from(JSON.stringify({ turnId }));
}

/** The cancelled turn's id, or null for a message that is not a cancel. */
export function decodeCancel(body: unknown): string | null {
  return parseBody(body, cancelSchema)?.turnId ?? null;
}

function parseBody<T>(body: unknown, schema: z.ZodType<T>): T | null {
  const parsed = schema.safeParse(jsonOfBody(body));
  return parsed.success ? parsed.data : null;
}
