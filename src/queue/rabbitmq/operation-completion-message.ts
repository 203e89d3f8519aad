import { z } from 'zod';
import { jsonOfBody } from './message-body.ts';
import type { OperationCompletion } from '../turn-queue.ts';

/** The longest failure text kept, as the webhook allows; a longer one is cut, not refused. */
const maxErrorChars = 10_000;

/**
 * The seed's completion message, `{operation_id, task_id, success, result?, error?}`, as any
 * service may publish it: `task_id` is optional and ignored, `null` stands for an absent
 * `result` or `error` (what a Python service sends for `None`), and unknown fields are ignored.
 */
const completionMessageSchema = z.object({
  operation_id: z.string().min(1),
  task_id: z.string().nullish(),
  success: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().nullish(),
});

export function encodeOperationCompletion(completion: OperationCompletion): Buffer {
  const { operationId, success, result, error } = completion;
  return Buffer.from(
    JSON.stringify({
      operation_id: operationId,
      success,
      ...(result === undefined ? {} : { result }),
      ...(error === undefined ? {} : { error }),
    }),
  );
}

/** Null for a message that is not a completion (not JSON, or not the shape above). */
export function decodeOperationCompletion(body: unknown): OperationCompletion | null {
  const parsed = completionMessageSchema.safeParse(jsonOfBody(body));
  if (!parsed.success) return null;
  const { operation_id: operationId, success, result, error } = parsed.data;
  return {
    operationId,
    success,
    ...(result === undefined || result === null ? {} : { result }),
    ...(typeof error === 'string' ? { error: error.slice(0, maxErrorChars) } : {}),
  };
}
