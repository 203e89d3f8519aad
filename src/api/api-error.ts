/** The one error catalog: every code the API can answer with, and its HTTP status. */
export const errorCatalog = {
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  MALFORMED_MULTIPART: {
    status: 400,
    message: 'The request body is not valid multipart/form-data.',
  },
  REQUEST_BODY_ABORTED: { status: 400, message: 'The request body ended before it was complete.' },
  INVALID_CURSOR: { status: 400, message: 'Last-Event-ID or ?after= is not a valid position.' },
  UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required.' },
  IDENTITY_REQUIRED: {
    status: 401,
    message:
      'Listing sessions needs an identity: open the web app in a browser (it sets the ' +
      'durable_chat_visitor cookie), or send that cookie with 32 random bytes in base64url. ' +
      'A session id alone still opens its session.',
  },
  SESSION_NOT_FOUND: { status: 404, message: 'Session not found.' },
  OPERATION_NOT_FOUND: { status: 404, message: 'Operation not found.' },
  FILE_NOT_FOUND: { status: 404, message: 'File not found.' },
  COMPLETION_UNAUTHORIZED: {
    status: 401,
    message:
      "Completing an operation needs the operation's token (X-Completion-Token) or the internal API key (X-API-Key).",
  },
  INVALID_API_KEY: { status: 401, message: 'The X-API-Key is not the internal API key.' },
  INVALID_COMPLETION_TOKEN: {
    status: 401,
    message: 'The X-Completion-Token is not the token of this operation.',
  },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such route.' },
  TURN_ALREADY_ACTIVE: {
    status: 409,
    message: 'A turn is already running in this session; wait for it or cancel it.',
  },
  CURSOR_OUT_OF_RANGE: {
    status: 409,
    message: 'That position is not part of the active turn; reload the session.',
  },
  MESSAGE_ID_CONFLICT: {
    status: 409,
    message:
      'That message id is already used by another message in this session; send it with a new id.',
  },
  MESSAGE_ALREADY_ANSWERED: {
    status: 409,
    message: 'This message was already answered; reload the session to see the answer.',
  },
  NOTHING_TO_REGENERATE: {
    status: 409,
    message: 'There is no message in this session to answer again.',
  },
  APPROVAL_NOT_PENDING: {
    status: 409,
    message: 'No tool call of that answer awaits this approval; reload the session.',
  },
  MESSAGE_NOT_FOUND: {
    status: 404,
    message: 'That message is not in this session (any more); reload the session.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    message: 'The request body did not arrive in time; send it again.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  MESSAGE_TOO_LARGE: { status: 413, message: 'The message is too long.' },
  FILE_TOO_LARGE: { status: 413, message: 'The file is larger than the largest accepted upload.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json.' },
  FILE_TYPE_NOT_ALLOWED: { status: 415, message: 'Files of this media type are not accepted.' },
  VALIDATION_FAILED: { status: 422, message: 'The request is invalid.' },
  UNKNOWN_FILE_IDS: {
    status: 422,
    message:
      'Some file ids name no file of yours (unknown, deleted or uploaded by someone else); details.file_ids lists them.',
  },
  TOO_MANY_FILES: {
    status: 409,
    message: 'You keep as many files as allowed; delete some before uploading more.',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many new sessions; try again after the time in Retry-After.',
  },
  TOO_MANY_STREAMS: {
    status: 429,
    message: 'Too many answers are streaming to you at once; close one or try again shortly.',
  },
  TOO_MANY_RUNNING_TURNS: {
    status: 429,
    message:
      'Too many of your answers are running at once; wait for one to end and try again after ' +
      'the time in Retry-After.',
  },
  TOO_MANY_QUEUED_MESSAGES: {
    status: 429,
    message:
      'Too many of your messages are waiting for a running answer; try again after the time in ' +
      'Retry-After.',
  },
  MESSAGE_RATE_LIMITED: {
    status: 429,
    message: 'You are sending messages too fast; try again after the time in Retry-After.',
  },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side.' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    message: 'A backing service is unavailable; try again shortly.',
  },
  INTERNAL_API_KEY_NOT_CONFIGURED: {
    status: 503,
    message:
      'No internal API key is configured (CHAT_INTERNAL_API_KEY): complete operations with their own token.',
  },
  NO_EXECUTOR_AVAILABLE: {
    status: 503,
    message: 'No worker is available to answer right now; try again shortly.',
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  /** Sent as `Retry-After` (whole seconds): when a refused request may succeed. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    code: ErrorCode,
    message?: string,
    details?: unknown,
    options: { retryAfterSeconds?: number } = {},
  ) {
    super(message ?? errorCatalog[code].message);
    this.name = 'ApiError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.details = details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}
