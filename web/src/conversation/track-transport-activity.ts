import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai';

/**
 * Wraps a transport to count the requests and streams of one chat that are still open, from
 * the call until the stream ends, fails or is cancelled. `useChat` reports `ready` while a
 * resume request waits for its answer; this count is how the conversation knows not to start
 * a second attach (or replace the messages) in that window.
 */
export function trackTransportActivity<MESSAGE extends UIMessage>(
  transport: ChatTransport<MESSAGE>,
  onChange: (openCount: number) => void,
): ChatTransport<MESSAGE> {
  let open = 0;
  const begin = () => onChange(++open);
  const end = () => onChange(--open);

  const track = async (
    request: () => Promise<ReadableStream<UIMessageChunk> | null>,
  ): Promise<ReadableStream<UIMessageChunk> | null> => {
    begin();
    let stream: ReadableStream<UIMessageChunk> | null;
    try {
      stream = await request();
    } catch (error) {
      end();
      throw error;
    }
    if (stream === null) {
      end();
      return null;
    }
    return onStreamEnd(stream, end);
  };

  return {
    get resumeStreamIsReplay() {
      return transport.resumeStreamIsReplay;
    },
    close: () => transport.close?.(),
    sendMessages: async (options) =>
      (await track(() => transport.sendMessages(options))) as ReadableStream<UIMessageChunk>,
    reconnectToStream: (options) => track(() => transport.reconnectToStream(options)),
  };
}

function onStreamEnd<T>(stream: ReadableStream<T>, ended: () => void): ReadableStream<T> {
  const reader = stream.getReader();
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    ended();
  };
  return new ReadableStream<T>({
    async pull(controller) {
      try {
        const result = await reader.read();
        if (result.done) {
          finish();
          controller.close();
        } else {
          controller.enqueue(result.value);
        }
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    async cancel(reason) {
      finish();
      await reader.cancel(reason);
    },
  });
}
