import type { z } from 'zod';
import { ApiError } from './api-error.ts';
import { validated } from './validated.ts';

/** How much of a request body the API reads, and for how long. */
export interface BodyLimits {
  maxBytes: number;
  /** From the first read to the last byte: a slower body (a stalled or slowloris client) is a 408. */
  timeoutMs: number;
}

/**
 * Reads a JSON body within `limits`, then validates it: 413, 415, 400, 408 or 422 — never a 500.
 * A client that goes away mid-body gets `REQUEST_BODY_ABORTED`, which nobody reads: it is an
 * ordinary event of the web (a closed tab, a slowloris), not a fault of the server.
 */
export async function readJsonBody<Schema extends z.ZodType>(
  request: Request,
  schema: Schema,
  limits: BodyLimits,
): Promise<z.infer<Schema>> {
  const contentType = request.headers.get('content-type') ?? '';
  if (contentType !== '' && !/^application\/(.+\+)?json\b/i.test(contentType)) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE');
  }
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > limits.maxBytes) throw new ApiError('PAYLOAD_TOO_LARGE');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(
    await readBodyWithLimits(request, limits),
  );
  let value: unknown;
  try {
    value = text.trim() === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError('MALFORMED_JSON');
  }
  return validated(schema, value);
}

/** The raw body within `limits`: 413, 408 or `REQUEST_BODY_ABORTED` past them. */
export async function readBodyWithLimits(
  request: Request,
  limits: BodyLimits,
): Promise<Buffer<ArrayBuffer>> {
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), limits.timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), timedOut]).catch(() => {
        throw new ApiError('REQUEST_BODY_ABORTED');
      });
      if (next === 'timed-out') {
        await reader.cancel().catch(() => undefined);
        throw new ApiError('REQUEST_TIMEOUT');
      }
      if (next.done) break;
      total += next.value.byteLength;
      if (total > limits.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new ApiError('PAYLOAD_TOO_LARGE');
      }
      parts.push(next.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(parts);
}
