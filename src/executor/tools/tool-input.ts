import { type Schema, zodSchema } from 'ai';
import type { z } from 'zod';

/**
 * A tool's input schema, for `tool({ inputSchema })` and long-running tool definitions. The AI
 * SDK turns a bare zod schema into JSON Schema again for every model call (a tenth of a
 * millisecond or more per tool, on the event loop, before the model starts); wrapped once here,
 * the conversion runs once per process. Validation is the same.
 */
export function toolInput<Input>(schema: z.ZodType<Input>): Schema<Input> {
  return zodSchema(schema);
}
