/**
 * Every non-2xx answer of the API, parsed from its `{error: {code, message, details}}` body, so
 * callers branch on a stable `code` (`TURN_ALREADY_ACTIVE`, `SESSION_NOT_FOUND`, …) instead of
 * on status numbers or message text. A body that is not the API's error shape (a proxy's HTML
 * page) still becomes one, with code `HTTP_<status>`.
 */
export class DurableChatApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;

  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'DurableChatApiError';
    this.status = status;
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  /** Reads an error response's body (consuming it) into a DurableChatApiError. */
  static async fromResponse(response: Response): Promise<DurableChatApiError> {
    const text = await response.text().catch(() => '');
    const parsed = parseErrorBody(text);
    if (parsed)
      return new DurableChatApiError(response.status, parsed.code, parsed.message, parsed.details);
    const fallback = text.trim().slice(0, 200) || response.statusText || 'request failed';
    return new DurableChatApiError(
      response.status,
      `HTTP_${response.status}`,
      `HTTP ${response.status}: ${fallback}`,
    );
  }
}

function parseErrorBody(text: string): { code: string; message: string; details?: unknown } | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null || !('error' in body)) return null;
  const error = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return null;
  return { code, message, ...(details === undefined ? {} : { details }) };
}
