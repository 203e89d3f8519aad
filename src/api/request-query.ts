import type { z } from 'zod';
import { ApiError } from './api-error.ts';

/** Validates a request's query parameters: 422 `VALIDATION_FAILED` naming each bad one. */
export function readQuery<Schema extends z.ZodType>(
  query: Record<string, string>,
  schema: Schema,
): z.infer<Schema> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    throw new ApiError(
      'VALIDATION_FAILED',
      undefined,
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return parsed.data;
}
