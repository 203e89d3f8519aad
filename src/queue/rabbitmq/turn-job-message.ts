import { z } from 'zod';
import { jsonOfBody } from './message-body.ts';
import type { TurnJob } from '../turn-queue.ts';

/** The wire form of a turn job: its JSON, checked on the way in since any client may publish. */
const turnJobSchema = z.object({
  turnId: z.string().min(1),
  sessionId: z.string().min(1),
  userId: z.string().nullable(),
  userMessageId: z.string().min(1),
  assistantMessageId: z.string().min(1),
  enqueuedAt: z.number(),
}) satisfies z.ZodType<TurnJob>;

const cancelSchema = z.object({ turnId: z.string().min(1) });

export function encodeTurnJob(job: TurnJob): Buffer {
  const { turnId, sessionId, userId, userMessageId, assistantMessageId, enqueuedAt } = job;
  return Buffer.from(
    JSON.stringify({ turnId, sessionId, userId, userMessageId, assistantMessageId, enqueuedAt }),
  );
}

/** Null for a message that is not a turn job. */
export function decodeTurnJob(body: unknown): TurnJob | null {
  return parseBody(body, turnJobSchema);
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
