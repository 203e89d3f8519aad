import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * An operation's completion token: unguessable (256 random bits), handed to the service that
 * runs the operation and nowhere else. Only its digest is stored, so a read of the database
 * cannot complete operations.
 */
export function newCompletionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 (hex) of a token or key: what is stored, and what is compared. */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Whether `presented` is the secret whose digest is `expectedDigest`, in time independent of
 * where they differ (digests of equal length are compared, so the length leaks nothing either).
 */
export function matchesDigest(presented: string, expectedDigest: string): boolean {
  const presentedDigest = Buffer.from(secretDigest(presented), 'hex');
  const expected = Buffer.from(expectedDigest, 'hex');
  return presentedDigest.length === expected.length && timingSafeEqual(presentedDigest, expected);
}

/**
 * What makes two calls "the same tool with the same input": the tool's name and its input as
 * JSON with object keys sorted, digested.
 */
export function operationInputKey(toolName: string, input: unknown): string {
  return secretDigest(`${toolName}\u0000${canonicalJson(input)}`);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
