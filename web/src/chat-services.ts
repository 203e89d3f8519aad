import type { ChatTransport, UIMessage } from 'ai';
import { ApiConnection, sessionPath } from '../../src/client/api-connection.ts';
import {
  createChatTransport,
  DurableChatApiError,
  DurableChatClient,
  type SentMessage,
  type UploadedFile,
} from '../../src/client/index.ts';
import { withTurnOutcomeMetadata } from './conversation/with-turn-outcome-metadata.ts';

/**
 * How a message sent while an answer streams joins the session: `steer` hands it to the running
 * answer at its next step, `interrupt` stops that answer (its partial text kept) and answers it
 * in a new turn.
 */
export type FollowUpMode = 'steer' | 'interrupt';

/**
 * Posts a message while a turn runs (`multitask` in the body) and resolves once the server
 * accepted it, with the server's `x-durable-chat-multitask` outcome (`steered`, `interrupted`, or `started`
 * when the turn had just ended). The answer stream the server sends back is not read: the chat
 * already follows the running turn, and re-attaches to the next one when it ends.
 */
export type SendFollowUp = (
  sessionId: string,
  message: UIMessage,
  mode: FollowUpMode,
) => Promise<{ outcome: string | null }>;

/**
 * Told that the message `messageId`, sent by `useChat` while its chat looked idle, joined a turn
 * already running in the session (started in another tab, say): the server steered or queued
 * it, and the answer `useChat` is about to read is that turn's, not a reply to the message.
 * Awaited before `useChat` reads a chunk of it.
 */
export type JoinedRunningTurn = (messageId: string) => Promise<void>;

/** Uploads one file, rejecting with the server's error (413, 415…) or an abort. */
export type UploadFile = (file: File, signal: AbortSignal) => Promise<UploadedFile>;

/**
 * The app's only ways to reach the server: the SDK's REST client, its `useChat` transport, and
 * the follow-up POST that `useChat` cannot make (its `sendMessage` while a response streams
 * would replace that response).
 */
export interface ChatServices {
  client: DurableChatClient;
  transport: ChatTransport<UIMessage>;
  sendFollowUp: SendFollowUp;
  uploadFile: UploadFile;
  /** Makes `listener` the open chat of `sessionId` for `JoinedRunningTurn`; returns its removal. */
  onJoinedRunningTurn(sessionId: string, listener: JoinedRunningTurn): () => void;
}

/**
 * Both read the token through `getToken` on every request, so saving a new token applies at
 * once without rebuilding either.
 */
export function createChatServices(getToken: () => string | null): ChatServices {
  const options = { token: () => getToken() };
  const joinedListeners = new Map<string, JoinedRunningTurn>();
  const onSent = async ({ chatId, messageId, multitask }: SentMessage) => {
    if (messageId === undefined || (multitask !== 'steered' && multitask !== 'queued')) return;
    await joinedListeners.get(chatId)?.(messageId);
  };
  const client = new DurableChatClient(options);
  return {
    client,
    transport: withTurnOutcomeMetadata(createChatTransport({ ...options, onSent })),
    sendFollowUp: followUpSender(new ApiConnection(options)),
    uploadFile: (file, signal) => client.uploadFile(file, { signal }),
    onJoinedRunningTurn(sessionId, listener) {
      joinedListeners.set(sessionId, listener);
      return () => {
        if (joinedListeners.get(sessionId) === listener) joinedListeners.delete(sessionId);
      };
    },
  };
}

function followUpSender(connection: ApiConnection): SendFollowUp {
  return async (sessionId, message, mode) => {
    // The transport's body, so the server stores the message with exactly this id and parts:
    // a retry of the same id is idempotent, and the chat recognises it when it lands.
    const response = await connection.send('POST', sessionPath(sessionId, '/stream'), {
      body: { id: sessionId, messages: [message], trigger: 'submit-message', multitask: mode },
      headers: { accept: 'text/event-stream' },
    });
    await response.body?.cancel();
    return { outcome: response.headers.get('x-durable-chat-multitask') };
  };
}

export function isApiError(error: unknown, code?: string): error is DurableChatApiError {
  return error instanceof DurableChatApiError && (code === undefined || error.code === code);
}

/** The server refused the caller: no token, or one it does not accept. */
export function isAuthError(error: unknown): boolean {
  return error instanceof DurableChatApiError && error.status === 401;
}

/** A message for people: the API's own message, or what went wrong on the way. */
export function describeError(error: unknown): string {
  if (error instanceof DurableChatApiError) return error.message;
  if (error instanceof TypeError && /fetch|network|load failed/i.test(error.message)) {
    return 'The server cannot be reached. Check your connection.';
  }
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}
