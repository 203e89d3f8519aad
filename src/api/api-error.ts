/** The one error catalog: every code the API can answer with, and its HTTP status. */
export const errorCatalog = {
  MALFORMED_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  INVALID_CURSOR: { status: 400, message: 'Last-Event-ID or ?after= is not a valid position.' },
  UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required.' },
  SESSION_NOT_FOUND: { status: 404, message: 'Session not found.' },
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
    message: 'That message id is already used by another message; send it with a new id.',
  },
  MESSAGE_ALREADY_ANSWERED: {
    status: 409,
    message: 'This message was already answered; reload the session to see the answer.',
  },
  NOTHING_TO_REGENERATE: {
    status: 409,
    message: 'There is no message in this session to answer again.',
  },
  MESSAGE_NOT_FOUND: {
    status: 404,
    message: 'That message is not in this session (any more); reload the session.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  MESSAGE_TOO_LARGE: { status: 413, message: 'The message is too long.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the request body as application/json.' },
  VALIDATION_FAILED: { status: 422, message: 'The request is invalid.' },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on our side.' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    message: 'A backing service is unavailable; try again shortly.',
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
  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? errorCatalog[code].message);
    this.name = 'ApiError';
    this.code = code;
    this.status = errorCatalog[code].status;
    this.details = details;
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
