import { EventSourceParserStream } from '@ai-sdk/provider-utils';
import type { UIMessageChunk } from 'ai';
import { DurableChatProtocolError } from './durable-chat-connection-error.ts';

/**
 * The data events of an SSE body (comments skipped); `stop` cancels the read. `onReceive` is told
 * of every piece of the body that arrives, comments (the server's heartbeats) included.
 */
export async function* readSseEvents(
  response: Response,
  stop: AbortSignal,
  onReceive: () => void = () => {},
): AsyncGenerator<{ id: string | undefined; data: string }> {
  const body = response.body;
  if (body === null) return;
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(
      new TransformStream<string, string>({
        transform(text, controller) {
          onReceive();
          controller.enqueue(text);
        },
      }),
    )
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const release = () => void reader.cancel().catch(() => {});
  stop.addEventListener('abort', release, { once: true });
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return;
      yield { id: value.id, data: value.data };
    }
  } finally {
    stop.removeEventListener('abort', release);
    release();
  }
}

/** One event's data as a UI message chunk; throws on anything else. */
export function parseChunk(data: string): UIMessageChunk {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new DurableChatProtocolError(`A stream event is not JSON: ${data.slice(0, 100)}`);
  }
  if (
    typeof chunk !== 'object' ||
    chunk === null ||
    typeof (chunk as { type?: unknown }).type !== 'string'
  ) {
    throw new DurableChatProtocolError(
      `A stream event is not a UI message chunk: ${data.slice(0, 100)}`,
    );
  }
  return chunk as UIMessageChunk;
}
