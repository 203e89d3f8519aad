import { safeValidateTypes } from '@ai-sdk/provider-utils';
import { uiMessageChunkSchema } from 'ai';

/** True when the chunk passes the `ai` package's own schema (an invalid chunk kills a turn in useChat). */
export async function isValidChunk(chunk: unknown): Promise<boolean> {
  const result = await safeValidateTypes({ value: chunk, schema: uiMessageChunkSchema });
  return result.success;
}
