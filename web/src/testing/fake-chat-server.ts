import type { UIMessage, UIMessageChunk } from 'ai';
import type { Operation, SessionDetail } from '../../../src/client/index.ts';

/** A request the app made, as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
  /** `?limit=…` and the like; '' without. */
  query: string;
}

/**
 * One turn of the fake server: its chunks are kept, and every reader (a POST's answer, a
 * `GET …/stream`) gets them replayed from the first, then live ones as the test pushes them,
 * as SSE events `<turnId>:<position>` — the server's wire format — ending with `[DONE]`.
 */
export class FakeTurn {
  readonly chunks: UIMessageChunk[] = [];
  ended = false;
  readonly #readers = new Set<ReadableStreamDefaultController<Uint8Array>>();
  readonly #encoder = new TextEncoder();

  readonly id: string;

  constructor(id: string) {
    this.id = id;
  }

  /** The `messageId` of the turn's `start` chunk: the id of the answer it streams. */
  get answerId(): string {
    const start = this.chunks.find((chunk) => chunk.type === 'start');
    return start?.messageId ?? '';
  }

  push(...chunks: UIMessageChunk[]): void {
    for (const chunk of chunks) {
      this.chunks.push(chunk);
      const event = this.#event(this.chunks.length, chunk);
      for (const reader of this.#readers) reader.enqueue(event);
    }
  }

  /** Ends every read of the turn, as the server does after its terminal chunk. */
  end(): void {
    this.ended = true;
    for (const reader of this.#readers) this.#close(reader);
    this.#readers.clear();
  }

  response(headers: Record<string, string> = {}): Response {
    let reader: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        reader = controller;
        this.chunks.forEach((chunk, index) => controller.enqueue(this.#event(index + 1, chunk)));
        if (this.ended) this.#close(controller);
        else this.#readers.add(controller);
      },
      cancel: () => {
        if (reader) this.#readers.delete(reader);
      },
    });
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream',
        'x-durable-chat-turn-id': this.id,
        ...headers,
      },
    });
  }

  #event(position: number, chunk: UIMessageChunk): Uint8Array {
    return this.#encoder.encode(`id: ${this.id}:${position}\ndata: ${JSON.stringify(chunk)}\n\n`);
  }

  #close(controller: ReadableStreamDefaultController<Uint8Array>): void {
    try {
      controller.enqueue(this.#encoder.encode('data: [DONE]\n\n'));
      controller.close();
    } catch {
      // The reader went away already (its read was cancelled).
    }
  }
}

/**
 * The durable-chat server of one session, as the web app reaches it through `fetch`: the
 * session's detail (`messages`, `pending_messages`, `active_stream` from the running turn), the
 * running turn's stream, and POSTs that the test answers. Requests it does not know fail the test.
 */
export class FakeChatServer {
  readonly requests: RecordedRequest[] = [];
  messages: UIMessage[] = [];
  pendingMessages: {
    id: string;
    role: 'user';
    parts: UIMessage['parts'];
    mode: 'steer' | 'queue';
  }[] = [];
  running: FakeTurn | null = null;
  /** The session's long-running operations, as `GET /sessions/:id` lists them. */
  operations: Operation[] = [];
  /** Files uploaded so far (`POST /api/chat/files`). */
  uploads = 0;
  /** How a `POST …/stream` is answered; the running turn's replay (a steer) by default. */
  answerPost: (body: unknown) => Response = () => {
    if (this.running === null) throw new Error('POST with no running turn scripted');
    return this.running.response({ 'x-durable-chat-multitask': 'steered' });
  };

  /** Told of every request before it is answered: a test can change the server in between. */
  onRequest: (request: RecordedRequest) => void = () => {};

  readonly sessionId: string;

  constructor(sessionId: string) {
    this.sessionId = sessionId;
  }

  /** The `GET /sessions/:id` reads so far. */
  get detailReads(): number {
    return this.requests.filter(({ method, path }) => method === 'GET' && path === this.#path())
      .length;
  }

  get posts(): RecordedRequest[] {
    return this.requests.filter(
      ({ method, path }) => method === 'POST' && path === this.#path('/stream'),
    );
  }

  startTurn(id: string): FakeTurn {
    this.running = new FakeTurn(id);
    return this.running;
  }

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input), 'http://localhost');
    const method = init.method ?? 'GET';
    const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const request = {
      method,
      path: url.pathname,
      query: url.search,
      headers: new Headers(init.headers),
      body,
    };
    this.requests.push(request);
    this.onRequest(request);
    if (method === 'GET' && url.pathname === this.#path()) return this.#detail();
    if (method === 'GET' && url.pathname === this.#path('/stream')) {
      const turn = this.running;
      return turn === null || turn.ended ? new Response(null, { status: 204 }) : turn.response();
    }
    if (method === 'POST' && url.pathname === this.#path('/stream')) return this.answerPost(body);
    if (method === 'POST' && url.pathname === '/api/chat/files' && init.body instanceof FormData) {
      return this.#upload(init.body);
    }
    throw new Error(`unexpected request ${method} ${url.pathname}`);
  };

  /** Accepts every upload, numbering the files in order: `file-1`, `file-2`… */
  #upload(form: FormData): Response {
    const file = form.get('file');
    if (!(file instanceof File)) throw new Error('an upload without a file field');
    this.uploads += 1;
    const id = `file-${this.uploads}`;
    const uploaded = {
      id,
      filename: file.name,
      media_type: file.type,
      size_bytes: file.size,
      created_at: '2026-06-01T10:00:00.000Z',
      url: `/api/chat/files/${id}`,
    };
    return Response.json(uploaded, { status: 201 });
  }

  #detail(): Response {
    const running = this.running !== null && !this.running.ended ? this.running : null;
    const detail: SessionDetail & { pending_messages: unknown[] } = {
      id: this.sessionId,
      created_at: '2026-06-01T10:00:00.000Z',
      updated_at: '2026-06-01T10:00:00.000Z',
      user_id: null,
      title: null,
      messages: this.messages,
      has_more_messages: false,
      oldest_sequence: this.messages.length > 0 ? 1 : null,
      total_prompt_tokens: 0,
      total_completion_tokens: 0,
      active_stream: running && {
        turn_id: running.id,
        last_message_id: this.messages.at(-1)?.id ?? '',
        assistant_message_id: running.answerId,
      },
      pending_messages: this.pendingMessages.map((message) => ({
        ...message,
        created_at: '2026-06-01T10:00:01.000Z',
      })),
      operations: this.operations,
    };
    return new Response(JSON.stringify(detail), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }

  /** The `GET /sessions/:id` reads with `?limit=1`: the operations' polls. */
  get operationLooks(): number {
    return this.requests.filter(
      ({ method, path, query }) =>
        method === 'GET' && path === this.#path() && query === '?limit=1',
    ).length;
  }

  #path(suffix = ''): string {
    return `/api/chat/sessions/${encodeURIComponent(this.sessionId)}${suffix}`;
  }
}
