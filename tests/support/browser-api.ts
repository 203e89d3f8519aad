import assert from 'node:assert/strict';
import type { UIMessage } from 'ai';
import { readSse, type SseReadResult } from './read-sse.ts';
import { bearer } from './tokens.ts';
import { waitFor } from './wait-for.ts';

/**
 * What the server persisted for an assistant message (`metadata` of the stored `UIMessage`): a
 * failed or stopped turn says so in `status`; a completed one carries no status.
 */
export interface AssistantMetadata {
  status?: 'failed' | 'cancelled';
  errorText?: string;
  finishReason?: string;
  usage?: { inputTokens?: number; outputTokens?: number; totalTokens?: number };
}

/** `GET /api/chat/sessions/:id`. */
export interface SessionDetail {
  id: string;
  title: string | null;
  messages: UIMessage<AssistantMetadata>[];
  active_stream: { turn_id: string; last_message_id: string; assistant_message_id?: string } | null;
  /** Follow-ups accepted while a turn ran that no answer has taken yet, oldest first. */
  pending_messages: { id: string; parts: UIMessage['parts']; mode: 'steer' | 'queue' }[];
}

export interface SessionSummary {
  id: string;
  title: string | null;
  active: boolean;
  updated_at: string;
}

/** A turn started over HTTP, as another device would: its reader runs in the background. */
export interface ApiTurn {
  /** Resolves once the stream's headers arrived (the turn exists). */
  started: Promise<number>;
  /** The whole read, once the stream ended or `disconnect` was called. */
  finished: Promise<SseReadResult>;
  /** Drops the connection (a disconnect, never a cancel). */
  disconnect(): void;
}

/**
 * The public HTTP API seen from the test, over real sockets to the product process, so every
 * browser test can check what the server persisted next to what the page shows.
 */
export class ProductApi {
  readonly baseUrl: string;
  readonly token: string | undefined;
  /** A `Cookie` header: in anonymous mode, the browser's visitor key, so both see one owner. */
  readonly cookie: string | undefined;

  constructor(baseUrl: string, token?: string, cookie?: string) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.cookie = cookie;
  }

  async createSession(): Promise<string> {
    const created = (await this.json('POST', '/api/chat/sessions')) as { id: string };
    return created.id;
  }

  async getSession(sessionId: string): Promise<SessionDetail> {
    return (await this.json('GET', `/api/chat/sessions/${sessionId}`)) as SessionDetail;
  }

  async listSessions(limit = 100): Promise<{ sessions: SessionSummary[]; total: number }> {
    return (await this.json('GET', `/api/chat/sessions?limit=${limit}`)) as {
      sessions: SessionSummary[];
      total: number;
    };
  }

  /** The HTTP status of `GET /api/chat/sessions/:id` (404 once deleted). */
  async sessionStatus(sessionId: string): Promise<number> {
    const response = await fetch(`${this.baseUrl}/api/chat/sessions/${sessionId}`, {
      headers: this.headers(),
    });
    await response.body?.cancel();
    return response.status;
  }

  async renameSession(sessionId: string, title: string): Promise<void> {
    await this.json('PATCH', `/api/chat/sessions/${sessionId}/title`, { title });
  }

  /** `POST /api/chat/sessions/:id/cancel`: Stop from another device. */
  async cancelTurn(sessionId: string): Promise<void> {
    await this.json('POST', `/api/chat/sessions/${sessionId}/cancel`);
  }

  /** Sends one message in the seed body shape and reads its stream in the background. */
  startTurn(sessionId: string, text: string): ApiTurn {
    const controller = new AbortController();
    let reportStatus: (status: number) => void = () => {};
    const started = new Promise<number>((resolve) => {
      reportStatus = resolve;
    });
    const finished = readSse(`${this.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.headers() },
      body: JSON.stringify({ message: text }),
      signal: controller.signal,
      onResponse: reportStatus,
    });
    return { started, finished, disconnect: () => controller.abort() };
  }

  /** The answer the demo model gives to `text` when nothing interrupts it, from a fresh session. */
  async uninterruptedAnswer(text: string): Promise<string> {
    const sessionId = await this.createSession();
    const turn = this.startTurn(sessionId, text);
    const read = await turn.finished;
    assert.equal(read.status, 200, `the reference turn was refused: ${JSON.stringify(read.body)}`);
    assert.equal(read.done, true, 'the reference turn did not end with [DONE]');
    const detail = await this.getSession(sessionId);
    const answer = detail.messages.find((message) => message.role === 'assistant');
    assert.ok(answer, 'the reference turn persisted no assistant message');
    assert.equal(outcomeOf(answer), 'completed');
    return textOf(answer);
  }

  /** Waits until the server stores `title` for the session (the page renames optimistically). */
  async waitForTitle(sessionId: string, title: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(async () => (await this.getSession(sessionId)).title === title, {
      timeoutMs,
      intervalMs: 50,
      message: `the server never stored the title "${title}" for session ${sessionId}`,
    });
  }

  /** Waits until the session has a running turn; returns the session as it was then. */
  async waitForRunningTurn(sessionId: string, timeoutMs = 10_000): Promise<SessionDetail> {
    let detail: SessionDetail | undefined;
    await waitFor(
      async () => {
        detail = await this.getSession(sessionId);
        return detail.active_stream !== null;
      },
      { timeoutMs, intervalMs: 25, message: `no turn started in session ${sessionId}` },
    );
    return detail as SessionDetail;
  }

  /** Waits until no turn runs in the session; returns the session as persisted then. */
  async waitForTurnToEnd(sessionId: string, timeoutMs = 30_000): Promise<SessionDetail> {
    let detail: SessionDetail | undefined;
    await waitFor(
      async () => {
        detail = await this.getSession(sessionId);
        return detail.active_stream === null;
      },
      { timeoutMs, intervalMs: 50, message: `the turn of session ${sessionId} did not end` },
    );
    return detail as SessionDetail;
  }

  private headers(): Record<string, string> {
    return {
      ...(this.token === undefined ? {} : bearer(this.token)),
      ...(this.cookie === undefined ? {} : { cookie: this.cookie }),
    };
  }

  private async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        ...this.headers(),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }
}

/** The assistant messages the server persisted, in order. */
export function assistantMessagesOf(detail: SessionDetail): UIMessage<AssistantMetadata>[] {
  return detail.messages.filter((message) => message.role === 'assistant');
}

/** How the turn of a stored assistant message ended. */
export function outcomeOf(message: UIMessage<AssistantMetadata> | undefined): string {
  if (!message) return 'no assistant message';
  return (
    message.metadata?.status ??
    (message.metadata?.finishReason === 'stop'
      ? 'completed'
      : `unfinished (${message.metadata?.finishReason})`)
  );
}

/** The text parts of a stored message, concatenated. */
export function textOf(message: UIMessage): string {
  return message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/** Whitespace-insensitive form of a text, to compare what a page renders with what was stored. */
export function normalizeText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
