import { generateId } from 'ai';
import { parseEventId } from '../protocol/event-id.ts';
import {
  ApiConnection,
  type DurableChatClientOptions,
  operationPath,
  sessionPath,
  withQuery,
} from './api-connection.ts';
import type {
  ApprovalAnswer,
  AssignUserResponse,
  AuthConfig,
  CancelResponse,
  CreateSessionResponse,
  ListFilesResponse,
  ListSessionsQuery,
  ListSessionsResponse,
  MultitaskStrategy,
  Operation,
  OperationCompletion,
  OperationCompletionResponse,
  OperationCredentials,
  OutgoingMessage,
  RenameSessionResponse,
  SessionDetail,
  SessionPageQuery,
  TtlConfig,
  UploadedFile,
  WebConfig,
} from './api-types.ts';
import {
  ResumableTurnStream,
  type TurnConnector,
  type TurnCursor,
  type TurnStreamOptions,
} from './resumable-turn-stream.ts';
import { operationConnector, resumeConnector, sendConnector } from './turn-connectors.ts';

export interface ResumeTurnOptions extends TurnStreamOptions {
  /** Resume after this place (a saved `cursor`, or an SSE id `<turnId>:<position>`). */
  after?: TurnCursor | string;
}

export interface SendMessageOptions extends TurnStreamOptions {
  /**
   * What to do if a turn already runs in the session; the server's default is `steer`. The
   * returned stream's `multitask` tells what happened.
   */
  multitask?: MultitaskStrategy;
}

export interface FollowSessionOptions extends TurnStreamOptions {
  /** The turn whose stream just ended: a stream of that turn is never returned. */
  afterTurnId?: string | null;
  /**
   * How long to wait for the next turn to start while follow-ups are still pending (the server
   * starts it as the previous turn ends). 10 000 ms by default.
   */
  pendingWaitMs?: number;
  /** Pause between looks while waiting; 200 ms by default. */
  pollIntervalMs?: number;
}

export interface RegenerateOptions extends TurnStreamOptions {
  /** The answer to replace (its `start.messageId`); the last answer when omitted. */
  messageId?: string;
}

/**
 * Typed calls for every route of the durable-chat HTTP API. Every non-2xx answer rejects with a
 * `DurableChatApiError` (`status`, `code`, `message`, `details`); network failures reject with
 * the `TypeError` that `fetch` raised.
 */
export class DurableChatClient {
  readonly #connection: ApiConnection;

  constructor(options: DurableChatClientOptions = {}) {
    this.#connection = new ApiConnection(options);
  }

  /**
   * My sessions, most recently updated first; `active` = a turn runs (from any device). With
   * `search`, only those whose title or messages contain it.
   */
  listSessions(
    query: ListSessionsQuery = {},
    options: { signal?: AbortSignal } = {},
  ): Promise<ListSessionsResponse> {
    const path = withQuery('/sessions', {
      limit: query.limit,
      offset: query.offset,
      // A blank search lists everything, so it is not sent.
      search: query.search?.trim() ? query.search : undefined,
    });
    return this.#connection.json('GET', path, { signal: options.signal });
  }

  createSession(): Promise<CreateSessionResponse> {
    return this.#connection.json('POST', '/sessions');
  }

  /**
   * The session with its messages: all of them, or one page (`limit`, `beforeSequence`) counted
   * back from the newest. While a turn runs, its partial answer is not among the messages: it
   * comes only through `resumeTurn` (`active_stream` says which turn; null on older pages).
   */
  getSession(
    sessionId: string,
    options: SessionPageQuery & { signal?: AbortSignal } = {},
  ): Promise<SessionDetail> {
    const path = withQuery(sessionPath(sessionId), {
      limit: options.limit,
      before_sequence: options.beforeSequence,
    });
    return this.#connection.json('GET', path, { signal: options.signal });
  }

  /**
   * The session's history page by page, newest page first (each page oldest first), until the
   * first message: for showing the end of a long chat at once and the rest on demand.
   */
  async *readHistory(
    sessionId: string,
    options: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<SessionDetail> {
    let beforeSequence: number | undefined;
    for (;;) {
      const page = await this.getSession(sessionId, {
        limit: options.pageSize ?? 50,
        ...(beforeSequence === undefined ? {} : { beforeSequence }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      yield page;
      if (!page.has_more_messages || page.oldest_sequence === null) return;
      beforeSequence = page.oldest_sequence;
    }
  }

  renameSession(sessionId: string, title: string): Promise<RenameSessionResponse> {
    return this.#connection.json('PATCH', sessionPath(sessionId, '/title'), { body: { title } });
  }

  /** Deletes the session; a running turn is stopped first. */
  async deleteSession(sessionId: string): Promise<void> {
    await this.#connection.send('DELETE', sessionPath(sessionId));
  }

  /** Claims an anonymous session for the signed-in caller (needs a token). */
  assignUser(sessionId: string): Promise<AssignUserResponse> {
    return this.#connection.json('PATCH', sessionPath(sessionId, '/assign-user'));
  }

  /**
   * Stops the session's turn, everywhere. Resolves once the turn has ended (as cancelled, its
   * partial answer kept); readers of the turn see an `abort` chunk.
   */
  cancelTurn(sessionId: string): Promise<CancelResponse> {
    return this.#connection.json('POST', sessionPath(sessionId, '/cancel'));
  }

  ttlConfig(): Promise<TtlConfig> {
    return this.#connection.json('GET', '/config/ttl');
  }

  /** Whether the server wants a bearer token (public: answers without one). */
  authConfig(options: { signal?: AbortSignal } = {}): Promise<AuthConfig> {
    return this.#connection.json('GET', '/config/auth', { signal: options.signal });
  }

  /** The origins answer images may load from; any other image is shown as a link (public). */
  webConfig(options: { signal?: AbortSignal } = {}): Promise<WebConfig> {
    return this.#connection.json('GET', '/config/web', { signal: options.signal });
  }

  /**
   * Uploads a file, to attach to a message by its id (`OutgoingMessage.fileIds`) or by a file
   * part whose url is the returned `url`. `filename` defaults to the `File`'s own name. Too big:
   * 413 `FILE_TOO_LARGE`; a type the server does not accept: 415 `FILE_TYPE_NOT_ALLOWED`.
   */
  uploadFile(
    file: Blob,
    options: { filename?: string; signal?: AbortSignal } = {},
  ): Promise<UploadedFile> {
    const form = new FormData();
    const filename = options.filename ?? (file instanceof File ? file.name : 'file');
    form.append('file', file, filename);
    return this.#connection.json('POST', '/files', { body: form, signal: options.signal });
  }

  /** My uploaded files, newest first. */
  listFiles(
    query: { limit?: number; offset?: number } = {},
    options: { signal?: AbortSignal } = {},
  ): Promise<ListFilesResponse> {
    const path = withQuery('/files', { limit: query.limit, offset: query.offset });
    return this.#connection.json('GET', path, { signal: options.signal });
  }

  /** An uploaded file's content, typed as it was uploaded. */
  async downloadFile(fileId: string, options: { signal?: AbortSignal } = {}): Promise<Blob> {
    const path = `/files/${encodeURIComponent(fileId)}`;
    const response = await this.#connection.send('GET', path, { signal: options.signal });
    return response.blob();
  }

  /** Deletes one of my uploaded files. */
  async deleteFile(fileId: string): Promise<void> {
    await this.#connection.send('DELETE', `/files/${encodeURIComponent(fileId)}`);
  }

  /**
   * Sends a user message and resolves, once the server accepted it, with the reader of its
   * answer. The message gets an id if it has none, so the retries of a lost POST re-attach to
   * the same turn instead of starting another.
   *
   * While another turn runs, `options.multitask` decides (see `MultitaskStrategy`; the server's
   * default is `steer`) and the stream's `multitask` tells what happened: for `steered` and
   * `queued` the stream replays the RUNNING turn from its start (the follow-up appears in it as
   * a `steering-message` chunk where the model received it); for `interrupted` it reads the new
   * turn. A follow-up the running turn ends without taking starts the next turn: follow it with
   * `followSession`. With `reject`, rejects with `DurableChatApiError` code
   * `TURN_ALREADY_ACTIVE` (409).
   */
  sendMessage(
    sessionId: string,
    message: string | OutgoingMessage,
    options: SendMessageOptions = {},
  ): Promise<ResumableTurnStream> {
    const { multitask, ...streamOptions } = options;
    const outgoing = typeof message === 'string' ? { text: message } : message;
    const body = {
      message: outgoing.text,
      message_id: outgoing.messageId ?? generateId(),
      ...(outgoing.context ? { context: outgoing.context } : {}),
      ...(outgoing.fileIds?.length ? { file_ids: outgoing.fileIds } : {}),
      ...(multitask === undefined ? {} : { multitask }),
    };
    return this.#openStream(sendConnector(this.#connection, sessionId, body), streamOptions);
  }

  /** `sendMessage` with `multitask: 'steer'`: the running answer takes the message at its next step. */
  steer(
    sessionId: string,
    message: string | OutgoingMessage,
    options: TurnStreamOptions = {},
  ): Promise<ResumableTurnStream> {
    return this.sendMessage(sessionId, message, { ...options, multitask: 'steer' });
  }

  /** `sendMessage` with `multitask: 'queue'`: answered after the running turn's current task. */
  queue(
    sessionId: string,
    message: string | OutgoingMessage,
    options: TurnStreamOptions = {},
  ): Promise<ResumableTurnStream> {
    return this.sendMessage(sessionId, message, { ...options, multitask: 'queue' });
  }

  /**
   * `sendMessage` with `multitask: 'interrupt'`: the running turn stops (as `cancelTurn`, its
   * partial answer kept) and the stream reads the new turn that answers this message.
   */
  interrupt(
    sessionId: string,
    message: string | OutgoingMessage,
    options: TurnStreamOptions = {},
  ): Promise<ResumableTurnStream> {
    return this.sendMessage(sessionId, message, { ...options, multitask: 'interrupt' });
  }

  /**
   * The next turn to read after a stream ended: follows a follow-up to where it lands when the
   * turn it was sent to ended without taking it. Re-attaches to the session's running turn
   * (other than `options.afterTurnId`); while none runs but follow-ups are still pending, looks
   * again every `pollIntervalMs` for up to `pendingWaitMs`. Resolves null when nothing runs and
   * nothing is pending (or the wait ran out). Call it again after each stream it returns, until
   * null.
   */
  async followSession(
    sessionId: string,
    options: FollowSessionOptions = {},
  ): Promise<ResumableTurnStream | null> {
    const { afterTurnId, pendingWaitMs = 10_000, pollIntervalMs = 200, ...streamOptions } = options;
    const giveUpAt = Date.now() + pendingWaitMs;
    for (;;) {
      // Pending first, the stream second: a follow-up that leaves the list by starting a turn
      // between the two looks is then found running, never missed.
      const { pending_messages: pending } = await this.getSession(sessionId, {
        limit: 1,
        ...(streamOptions.signal ? { signal: streamOptions.signal } : {}),
      });
      const stream = await this.resumeTurn(sessionId, streamOptions);
      if (
        stream !== null &&
        (afterTurnId === undefined || afterTurnId === null || stream.turnId !== afterTurnId)
      )
        return stream;
      await stream?.close();
      // A server without follow-ups sends no list: nothing can be waiting there.
      if ((pending ?? []).length === 0 || Date.now() >= giveUpAt) return null;
      await pause(pollIntervalMs, streamOptions.signal);
    }
  }

  /**
   * Answers again: the answer `options.messageId` names (the session's last answer when omitted)
   * is replaced — it and everything after it are removed — by a new answer to the message it
   * answered. Resolves, once the server accepted it, with the reader of the new answer. Naming
   * the answer makes the call safe to retry: a repeat re-attaches to (or replays) the turn the
   * first one started. Rejects with `DurableChatApiError` code `TURN_ALREADY_ACTIVE` (409) while
   * a turn runs, `NOTHING_TO_REGENERATE` (409) in a chat without messages, `MESSAGE_NOT_FOUND`
   * (404) when the named answer is not in the session.
   */
  regenerate(sessionId: string, options: RegenerateOptions = {}): Promise<ResumableTurnStream> {
    const { messageId, ...streamOptions } = options;
    const body = { message: '', ...(messageId === undefined ? {} : { message_id: messageId }) };
    return this.#openStream(sendConnector(this.#connection, sessionId, body), streamOptions);
  }

  /**
   * Answers the tool approvals the answer `messageId` (its `start.messageId`) asks for — all of
   * them at once — and resolves with the reader of that same answer's continuation: approved
   * calls run, denied ones end as `tool-output-denied`, then the model goes on. The request has
   * the shape `useChat` sends after `addToolApprovalResponse`; only the decisions matter, the
   * server holds the calls. Sending the same answers again re-attaches (a tool never runs twice);
   * other answers reject with `DurableChatApiError` code `APPROVAL_NOT_PENDING` (409).
   */
  respondToApproval(
    sessionId: string,
    messageId: string,
    answers: ApprovalAnswer | ApprovalAnswer[],
    options: TurnStreamOptions = {},
  ): Promise<ResumableTurnStream> {
    const parts = (Array.isArray(answers) ? answers : [answers]).map((answer) => ({
      type: 'dynamic-tool',
      toolName: 'approval',
      toolCallId: answer.approvalId,
      state: 'approval-responded',
      input: null,
      approval: {
        id: answer.approvalId,
        approved: answer.approved,
        ...(answer.reason === undefined ? {} : { reason: answer.reason }),
      },
    }));
    const body = {
      id: sessionId,
      messages: [{ id: messageId, role: 'assistant', parts }],
      trigger: 'submit-message',
      messageId,
    };
    return this.#openStream(sendConnector(this.#connection, sessionId, body), options);
  }

  /**
   * Re-attaches to the turn running in the session: from its first chunk, or after
   * `options.after`. Resolves null when no turn runs (the server's 204).
   */
  resumeTurn(
    sessionId: string,
    options: ResumeTurnOptions = {},
  ): Promise<ResumableTurnStream | null> {
    const { after, ...streamOptions } = options;
    return ResumableTurnStream.open(resumeConnector(this.#connection, sessionId), {
      ...streamOptions,
      after: typeof after === 'string' ? cursorOf(after) : (after ?? null),
    });
  }

  /** A long-running operation a tool started in one of my sessions (`OPERATION_NOT_FOUND` else). */
  getOperation(operationId: string, options: { signal?: AbortSignal } = {}): Promise<Operation> {
    return this.#connection.json('GET', operationPath(operationId), { signal: options.signal });
  }

  /**
   * Resolves with the operation once it has ended (`completed`, `failed`, `expired` or
   * `cancelled`), looking every `pollIntervalMs` (1000 ms by default): no push tells a client
   * that an operation ended. Its continuation turn may start a moment later (after a turn
   * running in the session): `streamOperation` reads it once it has.
   */
  async waitForOperation(
    operationId: string,
    options: { signal?: AbortSignal; pollIntervalMs?: number } = {},
  ): Promise<Operation> {
    const { signal, pollIntervalMs = 1000 } = options;
    for (;;) {
      const operation = await this.getOperation(operationId, signal ? { signal } : {});
      if (operation.status !== 'pending' && operation.status !== 'running') return operation;
      await pause(pollIntervalMs, signal);
    }
  }

  /**
   * Reads the operation's continuation: the turn that carries the conversation on with its
   * outcome, resumable like any turn (from its first chunk, or after `options.after`). Resolves
   * null while no continuation has started (the operation runs, or its continuation waits
   * behind a running turn); once started, also after it ended, for as long as the server keeps
   * finished turns.
   */
  streamOperation(
    operationId: string,
    options: ResumeTurnOptions = {},
  ): Promise<ResumableTurnStream | null> {
    const { after, ...streamOptions } = options;
    return ResumableTurnStream.open(operationConnector(this.#connection, operationId), {
      ...streamOptions,
      after: typeof after === 'string' ? cursorOf(after) : (after ?? null),
    });
  }

  /**
   * For the service that did an operation's work: reports its outcome, which ends the operation
   * and continues the conversation with it. A repeat changes nothing (`already_ended: true`).
   * Rejects with `DurableChatApiError`: `COMPLETION_UNAUTHORIZED`, `INVALID_COMPLETION_TOKEN`,
   * `INVALID_API_KEY` (401), `INTERNAL_API_KEY_NOT_CONFIGURED` (503), `OPERATION_NOT_FOUND` (404).
   */
  completeOperation(
    operationId: string,
    completion: OperationCompletion,
    credentials: OperationCredentials,
  ): Promise<OperationCompletionResponse> {
    const headers: Record<string, string> =
      'apiKey' in credentials
        ? { 'x-api-key': credentials.apiKey }
        : { 'x-completion-token': credentials.completionToken };
    return this.#connection.json('POST', operationPath(operationId, '/complete'), {
      body: completion,
      headers,
    });
  }

  async #openStream(
    connector: TurnConnector,
    options: TurnStreamOptions,
  ): Promise<ResumableTurnStream> {
    const stream = await ResumableTurnStream.open(connector, options);
    if (stream === null) throw new Error('The server answered a sent message with no stream.');
    return stream;
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function cursorOf(eventId: string): TurnCursor {
  const parsed = parseEventId(eventId);
  if (parsed === null || parsed.turnId === null) {
    throw new TypeError(`"${eventId}" is not an event id of the form <turnId>:<position>.`);
  }
  return { turnId: parsed.turnId, position: parsed.position };
}
