import type { z } from 'zod';
import { ApiError } from './api-error.ts';
import { validated } from './validated.ts';

/** Reads a JSON body with a byte cap, then validates it: 413, 415, 400 or 422 — never a 500. */
export async function readJsonBody<Schema extends z.ZodType>(
  request: Request,
  schema: Schema,
  maxBytes: number,
): Promise<z.infer<Schema>> {
  const contentType = request.headers.get('content-type') ?? '';
  if (contentType !== '' && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
  }
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > maxBytes) throw new ApiError('PAYLOAD_TOO_LARGE');
  const text = await readTextWithLimit(request, maxBytes);
  let value: unknown;
  try {
    value = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError('MALFORMED_JSON');
  }
  return validated(schema, value);
}

async function readTextWithLimit(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ApiError('PAYLOAD_TOO_LARGE');
    }
    parts.push(value);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(parts));
}
