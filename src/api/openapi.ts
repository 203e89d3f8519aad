import { z } from 'zod';
import { errorCatalog } from './api-error.ts';
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
};

const sessionPath = '/api/chat/sessions/{id}';

/** A system route answers at the root and, for clients that know only the API's base, under it. */
function bothPaths(path: string, methods: Record<string, Operation>) {
  return { [path]: methods, [`/api/chat${path}`]: methods };
}

const operations: Record<string, Record<string, Operation>> = {
  '/api/chat/sessions': {
    get: {
      summary:
        'List my sessions, most recently updated first; `search` finds them by title or message text',
      query: schemas.listSessionsQuerySchema,
      response: schemas.listSessionsResponseSchema,
    },
    post: { summary: 'Create a session', response: schemas.createSessionResponseSchema },
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
      summary: 'Claim an anonymous session for the signed-in caller',
      response: schemas.assignUserResponseSchema,
    },
  },
  [`${sessionPath}/stream`]: {
    post: {
      summary:
        'Send a message and stream the answer (AI SDK UI message stream over SSE); or regenerate an answer, or edit an earlier message and answer it again (everything after the message answered is removed). 503 NO_EXECUTOR_AVAILABLE while no executor takes turns (turns already waiting then end as failed, saying so, after NO_EXECUTOR_TIMEOUT_MS)',
      body: schemas.streamBodySchema,
      stream: true,
    },
    get: {
      summary:
        'Re-attach to the active turn: 204 when none; Last-Event-ID or ?after= resumes after a position',
      stream: true,
    },
  },
  [`${sessionPath}/cancel`]: {
    post: { summary: 'Stop the active turn', response: schemas.cancelResponseSchema },
  },
  '/api/chat/config/ttl': {
    get: { summary: 'Stream timing configuration', response: schemas.ttlConfigResponseSchema },
  },
  '/api/chat/config/auth': {
    get: {
      summary: 'Whether session routes need a bearer token',
      response: schemas.authConfigResponseSchema,
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

const json = (schema: z.ZodType) => ({
  'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) },
});

/** A query parameter's JSON schema (type, bounds, description), without the `$schema` key. */
function parameterSchema(schema: z.ZodType): object {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  });
  return rest;
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
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(operation.body
          ? { requestBody: { required: true, content: json(operation.body) } }
          : {}),
        responses: {
          [String(operation.status ?? 200)]: { description: 'Success', ...success },
          default: { description: 'Error', content: json(schemas.errorResponseSchema) },
        },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'durable-chat', version: '1' },
    paths,
    components: {
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
