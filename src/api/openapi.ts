import { z } from 'zod';
import { errorCatalog } from './api-error.ts';
import { visitorCookieName } from './visitor-key.ts';
import * as schemas from '../protocol/http-schemas.ts';

type Operation = {
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  response?: z.ZodType;
  /** A success body no zod schema describes: its media type, JSON type and what it holds. */
  described?: { mediaType: string; type: 'string' | 'object'; description: string };
  status?: number;
  stream?: boolean;
  /** Error statuses worth naming apart from `default` (a 429 carries `Retry-After`). */
  errors?: number[];
  /** A `multipart/form-data` body with one file in the field `file`: what it is for. */
  upload?: string;
  /** Who may call it, when not the session rules (a service completing an operation). */
  security?: object[];
};

const sessionPath = '/api/chat/sessions/{id}';

/** Files are always someone's: a caller without a token or visitor cookie has none. */
const identitySecurity = [{ bearerToken: [] }, { visitorCookie: [] }];

/** A system route answers at the root and, for clients that know only the API's base, under it. */
function bothPaths(path: string, methods: Record<string, Operation>) {
  return { [path]: methods, [`/api/chat${path}`]: methods };
}

const operations: Record<string, Record<string, Operation>> = {
  '/api/chat/sessions': {
    get: {
      summary:
        'List my sessions, most recently updated first; `search` finds them by title or message text. Needs an identity (a bearer token, or the visitor cookie in anonymous mode): 401 IDENTITY_REQUIRED or UNAUTHENTICATED without one',
      query: schemas.listSessionsQuerySchema,
      response: schemas.listSessionsResponseSchema,
    },
    post: {
      summary:
        "Create a session, owned by the caller's user or visitor (without an identity nobody owns it and its id is the only way back to it); 429 RATE_LIMITED with Retry-After beyond the per-caller rate (SESSION_CREATE_BURST, SESSION_CREATE_PER_MINUTE)",
      response: schemas.createSessionResponseSchema,
      errors: [429],
    },
  },
  '/api/chat/files': {
    get: {
      summary:
        'List my uploaded files, newest first. Needs an identity (a bearer token, or the visitor cookie in anonymous mode)',
      security: identitySecurity,
      query: schemas.listFilesQuerySchema,
      response: schemas.listFilesResponseSchema,
    },
    post: {
      summary:
        'Upload a file (multipart/form-data, field `file`), owned by the caller. 413 FILE_TOO_LARGE above MAX_FILE_BYTES; 415 FILE_TYPE_NOT_ALLOWED outside FILE_MEDIA_TYPES; 409 TOO_MANY_FILES when the caller keeps MAX_FILES_PER_USER files. Attach it to a message with `file_ids`, or as a file part whose url is the file’s url',
      security: identitySecurity,
      upload: 'The file; its filename and Content-Type are kept',
      response: schemas.fileSchema,
      status: 201,
      errors: [413, 415],
    },
  },
  '/api/chat/files/{id}': {
    get: {
      summary:
        "Download one of my files, with the Content-Type it was uploaded as (types a browser could run as a page download as attachments). Another caller's file answers exactly like a missing one: 404 FILE_NOT_FOUND",
      security: identitySecurity,
      described: {
        mediaType: '*/*',
        type: 'string',
        description: 'The bytes as uploaded',
      },
    },
    delete: { summary: 'Delete one of my files', status: 204, security: identitySecurity },
  },
  [sessionPath]: {
    get: {
      summary:
        'A session with its messages (all, or with limit/before_sequence one page back from the newest), token totals and active stream',
      query: schemas.getSessionQuerySchema,
      response: schemas.sessionDetailSchema,
    },
    delete: { summary: 'Delete a session (stops its turn)', status: 204 },
  },
  [`${sessionPath}/title`]: {
    patch: {
      summary: 'Rename a session',
      body: schemas.renameSessionBodySchema,
      response: schemas.renameSessionResponseSchema,
    },
  },
  [`${sessionPath}/assign-user`]: {
    patch: {
      summary:
        'Claim an unowned session for the signed-in caller (auth on only; 401 in anonymous mode)',
      response: schemas.assignUserResponseSchema,
    },
  },
  [`${sessionPath}/stream`]: {
    post: {
      summary:
        "Send a message and stream the answer (AI SDK UI message stream over SSE); or regenerate an answer, or edit an earlier message and answer it again (everything after the message answered is removed). 429 TOO_MANY_STREAMS with Retry-After when the caller already holds MAX_STREAMS_PER_CALLER streams; 408 REQUEST_TIMEOUT when the body is not complete within REQUEST_BODY_TIMEOUT_MS. An answer cut at MAX_OUTPUT_TOKENS ends normally with finishReason \"length\". 503 NO_EXECUTOR_AVAILABLE while no executor takes turns (turns already waiting then end as failed, saying so, after NO_EXECUTOR_TIMEOUT_MS). A message sent while a turn runs follows `multitask`: with steer or queue it waits as a follow-up (listed in the session's pending_messages) and the response is the RUNNING turn's stream from its start, where the message appears as a steering-message part once the model takes it; if that turn ends without it, it starts the next turn (re-attach with GET). Response header x-durable-chat-multitask says where the message went (started, steered, queued, interrupted), x-durable-chat-turn-id which turn the stream is. Tool approvals: when an answer ends with tool parts in state approval-requested (a tool with needsApproval), answer them as useChat does after addToolApprovalResponse: send that assistant message last (messageId = its id, trigger submit-message) with its tool parts in state approval-responded (approval: {id, approved, reason?}); only those decisions are read, the stored answer is the truth. Every approval the answer asks for must be answered at once. Approved calls run, denied ones become tool-output-denied, and the SAME assistant message continues: this stream starts after the answer the client already holds (header x-durable-chat-after gives the position; a replay of the turn from its start, e.g. GET after a reload, restores the whole answer first). The same answers sent again re-attach; other answers, or an answer that is not the session's last, are refused with 409 APPROVAL_NOT_PENDING",
      body: schemas.streamBodySchema,
      stream: true,
      errors: [408, 429],
    },
    get: {
      summary:
        'Re-attach to the active turn: 204 when none; Last-Event-ID or ?after= resumes after a position; 429 TOO_MANY_STREAMS with Retry-After when the caller already holds MAX_STREAMS_PER_CALLER streams',
      stream: true,
      errors: [429],
    },
  },
  [`${sessionPath}/cancel`]: {
    post: { summary: 'Stop the active turn', response: schemas.cancelResponseSchema },
  },
  '/api/chat/operations/{id}': {
    get: {
      summary:
        'A long-running operation (status, tool, session, timestamps, result or error, the continuation turn); only for the owner of its session (404 OPERATION_NOT_FOUND otherwise)',
      response: schemas.operationSchema,
    },
  },
  '/api/chat/operations/{id}/stream': {
    get: {
      summary:
        "The operation's continuation turn (the seed's task stream): the whole turn, or with Last-Event-ID / ?after= exactly what followed that position; 204 while none has started or once it is no longer replayable",
      stream: true,
      errors: [429],
    },
  },
  '/api/chat/operations/{id}/complete': {
    post: {
      summary:
        'Complete an operation (the service that ran it calls this): with X-Completion-Token, the token the service received for this operation, or with X-API-Key = CHAT_INTERNAL_API_KEY (503 INTERNAL_API_KEY_NOT_CONFIGURED when unset). 401 without or with wrong credentials, 404 for an unknown operation. Idempotent: a second completion answers already_ended and changes nothing. The same completion may arrive as a RabbitMQ message (exchange chat_operations, routing key operation.complete)',
      body: schemas.operationCompletionBodySchema,
      response: schemas.operationCompletionResponseSchema,
      errors: [401, 404, 503],
      security: [{ completionToken: [] }, { internalApiKey: [] }],
    },
  },
  '/api/chat/config/ttl': {
    get: { summary: 'Stream timing configuration', response: schemas.ttlConfigResponseSchema },
  },
  '/api/chat/config/auth': {
    get: {
      summary:
        'Whether session routes need a bearer token, and whether callers without one may chat',
      response: schemas.authConfigResponseSchema,
    },
  },
  '/api/chat/config/web': {
    get: {
      summary: 'What the web app may load: the origins answer images may come from',
      response: schemas.webConfigResponseSchema,
    },
  },
  ...bothPaths('/health', {
    get: {
      summary: 'Liveness: the process answers (never touches the database)',
      response: schemas.healthResponseSchema,
    },
  }),
  ...bothPaths('/ready', {
    get: { summary: 'Readiness: the database answers', response: schemas.readyResponseSchema },
  }),
  ...bothPaths('/metrics', {
    get: {
      summary: 'Prometheus metrics (no caller needed, like the probes)',
      described: {
        mediaType: 'text/plain',
        type: 'string',
        description: 'Prometheus text exposition format 0.0.4',
      },
    },
  }),
  ...bothPaths('/openapi.json', {
    get: {
      summary: 'This OpenAPI document',
      described: {
        mediaType: 'application/json',
        type: 'object',
        description: 'An OpenAPI 3.1 document',
      },
    },
  }),
};

const accessRules = `Who may reach a session:
- With auth on (JWT_SECRET or JWKS_URL), a bearer token names the user; a bad token is 401 on every session route. Without a token every session route is 401 UNAUTHENTICATED, unless ALLOW_ANONYMOUS is on: then a caller without a token may create sessions nobody owns, use them by id, and a signed-in user may claim them (assign-user).
- In anonymous mode (no JWT_SECRET or JWKS_URL) tokens are ignored. The web app's pages set the \`${visitorCookieName}\` cookie (32 random bytes, base64url; a malformed value counts as absent), and sessions created with it belong to that visitor. A caller without the cookie may create and use sessions by id, but they are never listed, and listing without an identity is 401 IDENTITY_REQUIRED.
- A session owned by someone else answers every route exactly like a missing one: 404 SESSION_NOT_FOUND.`;

const sessionSecurity = [{ bearerToken: [] }, { visitorCookie: [] }, {}];

const json = (schema: z.ZodType) => ({
  'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
});

const uploadContent = (description: string) => ({
  'multipart/form-data': {
    schema: {
      type: 'object',
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary', description } },
    },
  },
});

/** A query parameter's JSON schema (type, bounds, description), without the `$schema` key. */
function parameterSchema(schema: z.ZodType): object {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  });
  return rest;
}

/** A named error answer: its codes from the catalog, and `Retry-After` on a 429. */
function namedError(status: number): object {
  const codes = Object.entries(errorCatalog)
    .filter(([, entry]) => entry.status === status)
    .map(([code]) => code);
  return {
    description: `Error: ${codes.join(', ')}`,
    ...(status === 429
      ? {
          headers: {
            'Retry-After': {
              description: 'Seconds after which the request may succeed',
              schema: { type: 'integer', minimum: 1 },
            },
          },
        }
      : {}),
    content: json(schemas.errorResponseSchema),
  };
}

/** The OpenAPI 3.1 document, generated from the schemas that validate requests. */
export function createOpenApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const [path, methods] of Object.entries(operations)) {
    paths[path] = {};
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = [
        ...(path.includes('{id}')
          ? [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]
          : []),
        ...Object.entries(operation.query?.shape ?? {}).map(([name, schema]) => ({
          name,
          in: 'query',
          schema: parameterSchema(schema as z.ZodType),
        })),
      ];
      const success = operation.stream
        ? { content: { 'text/event-stream': { schema: { type: 'string' } } } }
        : operation.described
          ? {
              content: {
                [operation.described.mediaType]: {
                  schema: {
                    type: operation.described.type,
                    description: operation.described.description,
                  },
                },
              },
            }
          : operation.response
            ? { content: json(operation.response) }
            : {};
      (paths[path] as Record<string, object>)[method] = {
        summary: operation.summary,
        ...(operation.security
          ? { security: operation.security }
          : path.startsWith('/api/chat/sessions') || path.startsWith('/api/chat/operations')
            ? { security: sessionSecurity }
            : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(operation.body
          ? { requestBody: { required: true, content: json(operation.body) } }
          : operation.upload
            ? { requestBody: { required: true, content: uploadContent(operation.upload) } }
            : {}),
        responses: {
          [String(operation.status ?? 200)]: { description: 'Success', ...success },
          ...Object.fromEntries(
            (operation.errors ?? []).map((status) => [String(status), namedError(status)]),
          ),
          default: { description: 'Error', content: json(schemas.errorResponseSchema) },
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'durable-chat', version: '1', description: accessRules },
    paths,
    components: {
      securitySchemes: {
        bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        visitorCookie: { type: 'apiKey', in: 'cookie', name: visitorCookieName },
        completionToken: { type: 'apiKey', in: 'header', name: 'X-Completion-Token' },
        internalApiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: { Error: z.toJSONSchema(schemas.errorResponseSchema) },
      'x-error-codes': Object.fromEntries(
        Object.entries(errorCatalog).map(([code, { status, message }]) => [
          code,
          { status, message },
        ]),
      ),
    },
  };
}
