import type { z } from 'zod';
import { ApiError } from './api-error.ts';

/**
 * `value` checked against `schema`: the parsed value, or 422 `VALIDATION_FAILED` whose details
 * name each bad field (`path`, `message`). The one place a zod issue becomes an API error, for
 * bodies and query strings alike.
 */
export function validated<Schema extends z.ZodType>(
  schema: Schema,
  value: unknown,
): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new ApiError(
      'VALIDATION_FAILED',
      undefined,
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return parsed.data;
}
