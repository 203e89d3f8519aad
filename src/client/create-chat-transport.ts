import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai';
import { ApiConnection, type DurableChatClientOptions } from './api-connection.ts';
import type { MultitaskOutcome, MultitaskStrategy } from './api-types.ts';
import { ResumableTurnStream, type TurnStreamOptions } from './resumable-turn-stream.ts';
import { resumeConnector, sendConnector } from './turn-connectors.ts';

export interface ChatTransportOptions
  extends DurableChatClientOptions, Omit<TurnStreamOptions, 'signal'> {
  /**
   * What a message sent while a turn runs does (the server's default is `steer`); one send can
   * choose otherwise with `sendMessage(message, { body: { multitask: 'interrupt' } })`.
   */
  multitask?: MultitaskStrategy;
  /**
   * Told, once the server accepted a sent message and before `useChat` reads a chunk of the
   * answer, what it did with it. With `steered` or `queued` the stream is a turn that was already
   * running, whose question is another message: `useChat` holds the sent message as the last of
   * its list and would show the running answer as the reply to it, so an app shows it as a
   * follow-up instead (see the web app). Awaited; if it throws, the send fails with its error.
   */
  onSent?: (sent: SentMessage) => void | Promise<void>;
}

/** What the server did with a message `useChat` sent through the transport. */
export interface SentMessage {
  /** The chat (session) id. */
  chatId: string;
  /** The id of the message sent: the last of `useChat`'s list. */
  messageId: string | undefined;
  /** The server's `x-durable-chat-multitask`; null from a server without follow-ups. */
  multitask: MultitaskOutcome | null;
  /** The turn the answer stream reads. */
  turnId: string | null;
}

/**
 * A `ChatTransport` for `useChat` against durable-chat, where the chat id is the session id:
 *
 * ```ts
 * const chat = useChat({ id: sessionId, messages, transport: createChatTransport(), resume: true });
 * ```
 *
 * Sends to `POST /api/chat/sessions/:id/stream`, re-attaches with `GET …/stream` (null on 204,
 * a replay from the first chunk otherwise), and sends the bearer token on every request. Unlike
 * `DefaultChatTransport`, a connection that drops mid-answer is resumed from where it broke
 * (`Last-Event-ID`, with backoff) inside the same stream, so `useChat` sees one uninterrupted
 * answer; and a refused request rejects with a `DurableChatApiError`, so `useChat`'s `error`
 * carries `.code` (`TURN_ALREADY_ACTIVE` for a 409).
 *
 * A message sent while an answer streams is a follow-up (`multitask`): for `steer` and `queue`
 * the server answers with the running turn replayed from its start under the same assistant
 * message id, so `useChat` rebuilds that answer, follow-up included as a `steering-message`
 * part where the model received it. If that turn ends without taking it, the follow-up starts
 * the next turn: call `useChat`'s `resumeStream()` when the stream ends to follow it.
 *
 * Only the last message is sent: the server keeps the history, and a long conversation must
 * not grow every request towards the body limit.
 *
 * Stop must also call `DurableChatClient.cancelTurn`: `useChat`'s `stop()` only aborts this
 * client's reading, and the turn would keep running on the server.
 */
export function createChatTransport(options: ChatTransportOptions = {}): ChatTransport<UIMessage> {
  const connection = new ApiConnection(options);
  const streamOptions = (signal: AbortSignal | undefined): TurnStreamOptions => ({
    ...(options.reconnect === undefined ? {} : { reconnect: options.reconnect }),
    ...(options.onReconnect ? { onReconnect: options.onReconnect } : {}),
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(signal ? { signal } : {}),
  });

  return {
    resumeStreamIsReplay: true,

    async sendMessages({ chatId, messages, trigger, messageId, abortSignal, headers, body }) {
      const last = messages.at(-1);
      const requestBody = {
        ...(options.multitask === undefined ? {} : { multitask: options.multitask }),
        ...body,
        id: chatId,
        messages: last ? [last] : [],
        trigger,
        messageId,
      };
      const connector = sendConnector(connection, chatId, requestBody, plainHeaders(headers));
      const stream = await ResumableTurnStream.open(connector, streamOptions(abortSignal));
      if (stream === null) throw new Error('The server answered a sent message with no stream.');
      if (options.onSent) {
        const { multitask, turnId } = stream;
        try {
          await options.onSent({ chatId, messageId: last?.id, multitask, turnId });
        } catch (error) {
          await stream.close();
          throw error;
        }
      }
      return stream.toUIMessageStream();
    },

    async reconnectToStream({
      chatId,
      abortSignal,
      headers,
    }): Promise<ReadableStream<UIMessageChunk> | null> {
      const connector = resumeConnector(connection, chatId, plainHeaders(headers));
      const stream = await ResumableTurnStream.open(connector, streamOptions(abortSignal));
      return stream?.toUIMessageStream() ?? null;
    },
  };
}

function plainHeaders(
  headers: Record<string, string> | Headers | undefined,
): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  return { ...headers };
}
