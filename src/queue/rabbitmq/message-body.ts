/**
 * What a message body holds as JSON. rabbitmq-client hands a body over already parsed when its
 * content type is `application/json` and it parses, as text when it is `text/plain`, and as
 * bytes otherwise (including JSON that does not parse): any publisher may send any of them.
 * Undefined when the body is not JSON.
 */
export function jsonOfBody(body: unknown): unknown {
  if (!Buffer.isBuffer(body) && typeof body !== 'string') return body;
  try {
    return JSON.parse(body.toString()) as unknown;
  } catch {
    return undefined;
  }
}

/** The start of a body as text, for a log line about a message that was dropped. */
export function previewOfBody(body: unknown, maxChars = 200): string {
  const text =
    Buffer.isBuffer(body) || typeof body === 'string' ? body.toString() : JSON.stringify(body);
  return (text ?? String(body)).slice(0, maxChars);
}
