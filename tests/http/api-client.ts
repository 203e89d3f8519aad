import assert from 'node:assert/strict';
import type { TestServer } from '../support/start-test-server.ts';
import { bearer } from '../support/tokens.ts';
import { waitFor } from '../support/wait-for.ts';

export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  /** JSON-encoded, with `content-type: application/json`. */
  json?: unknown;
  /** Sent as is (for malformed, oversized or streamed bodies). */
  body?: BodyInit;
}

export interface ApiClient {
  /** One in-process request to the app (`app.request`), nothing over the network. */
  call(method: string, path: string, options?: CallOptions): Promise<Response>;
  /** Creates a session and returns its id. */
  createSession(token?: string): Promise<string>;
  /** POSTs one text message to the session's stream route in the seed body shape. */
  postMessage(
    sessionId: string,
    text: string,
    options?: { token?: string; messageId?: string; multitask?: string },
  ): Promise<Response>;
  /** Waits until the session's turn has appended at least `position` chunks; returns the turn id. */
  waitForRunningTurn(sessionId: string, position?: number): Promise<string>;
}

export function createApiClient(server: TestServer): ApiClient {
  const call: ApiClient['call'] = (method, path, options = {}) => {
    const headers: Record<string, string> = {
      ...(options.token === undefined ? {} : bearer(options.token)),
      ...(options.json === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    };
    const body = options.json === undefined ? options.body : JSON.stringify(options.json);
    return Promise.resolve(
      server.app.request(path, { method, headers, ...(body === undefined ? {} : { body }) }),
    );
  };
  return {
    call,
    async createSession(token) {
      const response = await call('POST', '/api/chat/sessions', token ? { token } : {});
      assert.equal(response.status, 200);
      return ((await response.json()) as { id: string }).id;
    },
    postMessage(sessionId, text, options = {}) {
      return call('POST', `/api/chat/sessions/${sessionId}/stream`, {
        ...(options.token === undefined ? {} : { token: options.token }),
        json: {
          message: text,
          is_user_message: true,
          ...(options.messageId === undefined ? {} : { message_id: options.messageId }),
          ...(options.multitask === undefined ? {} : { multitask: options.multitask }),
        },
      });
    },
    async waitForRunningTurn(sessionId, position = 1) {
      let turnId = '';
      await waitFor(
        async () => {
          const turn = await server.runtime.api.registry.getActiveTurn(sessionId);
          turnId = turn?.turnId ?? '';
          return turn !== null && turn.lastPosition >= position;
        },
        { message: `a running turn with ${position} chunks in session ${sessionId}` },
      );
      return turnId;
    },
  };
}

export interface ErrorResponseBody {
  error: { code: string; message: string; details?: unknown };
}

/** Asserts a JSON error answer with this status and catalog code; returns its body. */
export async function expectError(
  response: Response,
  status: number,
  code: string,
): Promise<ErrorResponseBody> {
  const text = await response.text();
  assert.equal(
    response.status,
    status,
    `expected ${status} ${code}, got ${response.status} ${text}`,
  );
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as ErrorResponseBody;
  assert.equal(body.error.code, code, text);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  return body;
}

/** Asserts a 2xx JSON answer and returns its body. */
export async function expectJson<Body>(response: Response, status = 200): Promise<Body> {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  return JSON.parse(text) as Body;
}

export interface SessionSummary {
  id: string;
  created_at: string;
  updated_at: string;
  title: string | null;
  active: boolean;
}

export interface SessionDetail {
  id: string;
  user_id: string | null;
  title: string | null;
  created_at: string;
  updated_at: string;
  messages: {
    id: string;
    role: string;
    parts: { type: string; text?: string }[];
    metadata?: unknown;
  }[];
  active_stream: { turn_id: string; last_message_id: string; assistant_message_id: string } | null;
}
