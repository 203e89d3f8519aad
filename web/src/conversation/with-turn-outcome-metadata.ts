import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai';

/**
 * Wraps a transport so a live answer carries the same outcome metadata the server persists:
 * an `abort` chunk (the turn was stopped, here or on another device) is preceded by
 * `message-metadata {status: 'cancelled'}`, an `error` chunk by `{status: 'failed', errorText}`.
 *
 * Why: `useChat` passes an `abort` chunk through without marking anything (its `onFinish`
 * reports `isAbort` only for this client's own `stop()`, which for durable-chat is merely a
 * disconnect), and it turns an `error` chunk into a chat-wide error. With the metadata on the
 * message itself, a stopped or failed answer renders the same live, after a reload and on
 * another device, from one code path.
 */
export function withTurnOutcomeMetadata<MESSAGE extends UIMessage>(
  transport: ChatTransport<MESSAGE>,
): ChatTransport<MESSAGE> {
  return {
    get resumeStreamIsReplay() {
      return transport.resumeStreamIsReplay;
    },
    close: () => transport.close?.(),
    async sendMessages(options) {
      return markOutcomes(await transport.sendMessages(options));
    },
    async reconnectToStream(options) {
      const stream = await transport.reconnectToStream(options);
      return stream === null ? null : markOutcomes(stream);
    },
  };
}

function markOutcomes(stream: ReadableStream<UIMessageChunk>): ReadableStream<UIMessageChunk> {
  return stream.pipeThrough(
    new TransformStream<UIMessageChunk, UIMessageChunk>({
      transform(chunk, controller) {
        if (chunk.type === 'abort') {
          controller.enqueue({
            type: 'message-metadata',
            messageMetadata: { status: 'cancelled' },
          });
        } else if (chunk.type === 'error') {
          controller.enqueue({
            type: 'message-metadata',
            messageMetadata: { status: 'failed', errorText: chunk.errorText },
          });
        }
        controller.enqueue(chunk);
      },
    }),
  );
}
