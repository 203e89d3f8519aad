import { DurableChatApiError } from './durable-chat-api-error.ts';

export type TokenSource =
  string | (() => string | null | undefined | Promise<string | null | undefined>);

export interface DurableChatClientOptions {
  /** Origin of the server, e.g. `http://localhost:3000`; '' (same origin) by default. */
  baseUrl?: string;
  /** Bearer token, or a function asked before every request (so a refreshed token is used). */
  token?: TokenSource;
  fetch?: typeof globalThis.fetch;
  /** Sent with every request. */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  /** Sent as JSON, except `FormData`, which goes as multipart with the boundary fetch chooses. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
}

/**
 * Builds URLs and headers and sends requests; every non-2xx answer becomes a
 * `DurableChatApiError`. Network failures are left as `fetch` raised them (a `TypeError`), and
 * aborts as an `AbortError`, so callers can tell the three apart.
 */
export class ApiConnection {
  readonly #baseUrl: string;
  readonly #token: TokenSource | undefined;
  readonly #headers: Record<string, string>;
  readonly #fetch: typeof globalThis.fetch;

  constructor(options: DurableChatClientOptions = {}) {
    this.#baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
    this.#token = options.token;
    this.#headers = { ...options.headers };
    // Called through a closure: a browser's `fetch` throws "Illegal invocation" when it is
    // called as a method of another object.
    const custom = options.fetch;
    this.#fetch = custom ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** `path` is relative to `/api/chat`, e.g. `/sessions`. */
  url(path: string): string {
    return `${this.#baseUrl}/api/chat${path}`;
  }

  async headers(extra: Record<string, string> = {}): Promise<Record<string, string>> {
    const token = typeof this.#token === 'function' ? await this.#token() : this.#token;
    return {
      ...this.#headers,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...extra,
    };
  }

  /** Sends a request; resolves with any 2xx response (204 included), throws on every other. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const { body } = options;
    const isJson = body !== undefined && !(body instanceof FormData);
    const response = await this.#fetch(this.url(path), {
      method,
      headers: await this.headers({
        ...(isJson ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      }),
      ...(body instanceof FormData ? { body } : isJson ? { body: JSON.stringify(body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!response.ok) throw await DurableChatApiError.fromResponse(response);
    return response;
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options);
    return (await response.json()) as T;
  }
}

export function sessionPath(sessionId: string, suffix = ''): string {
  return `/sessions/${encodeURIComponent(sessionId)}${suffix}`;
}

export function operationPath(operationId: string, suffix = ''): string {
  return `/operations/${encodeURIComponent(operationId)}${suffix}`;
}

/** `path` with the defined `parameters` as its query string. */
export function withQuery(
  path: string,
  parameters: Record<string, string | number | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined) search.set(name, String(value));
  }
  return search.size > 0 ? `${path}?${search}` : path;
}
