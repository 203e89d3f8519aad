import { EventSourceParserStream } from '@ai-sdk/provider-utils';
import type { UIMessageChunk } from 'ai';

/** One SSE data event as the client received it; heartbeat comments are not events. */
export interface SseEvent {
  id: string | undefined;
  data: string;
}

export interface SseReadResult {
  status: number;
  /** Every data event in arrival order, `[DONE]` included. */
  events: SseEvent[];
  /** The stream delivered `data: [DONE]` and then closed. */
  done: boolean;
  /** The caller's signal fired before the stream ended (the client went away). */
  aborted: boolean;
  /** The body of a response that was not an event stream (an error), parsed when it is JSON. */
  body: unknown;
}

export interface ReadSseOptions extends RequestInit {
  /** Called once the response headers have arrived (the server has attached the reader). */
  onResponse?: (status: number) => void;
  /** Called for every data event as it arrives (tests use it to act mid-stream). */
  onEvent?: (event: SseEvent, index: number) => void;
}

/**
 * Fetches a stream route and reads it to its end with the AI SDK's own SSE parser. An abort via
 * `init.signal` (before the response or mid-stream) is not an error: it returns what was received
 * so far with `aborted: true`, as a browser tab that closes keeps what it had rendered.
 */
export async function readSse(url: string, options: ReadSseOptions = {}): Promise<SseReadResult> {
  const { onEvent, onResponse, ...init } = options;
  const result: SseReadResult = {
    status: 0,
    events: [],
    done: false,
    aborted: false,
    body: undefined,
  };
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) return { ...result, aborted: true };
    throw error;
  }
  result.status = response.status;
  onResponse?.(response.status);
  const contentType = response.headers.get('content-type') ?? '';
  if (!response.body || !contentType.includes('text/event-stream')) {
    const text = await response.text();
    result.body = text === '' ? undefined : parseJsonOrText(text);
    return result;
  }
  let sawDone = false;
  try {
    const events = response.body
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new EventSourceParserStream());
    for await (const event of events) {
      const received: SseEvent = { id: event.id, data: event.data };
      result.events.push(received);
      if (event.data === '[DONE]') sawDone = true;
      onEvent?.(received, result.events.length - 1);
    }
    result.done = sawDone;
  } catch (error) {
    if (!init.signal?.aborted) throw error;
    result.aborted = true;
  }
  return result;
}

/** The UI message chunks of a stream, `[DONE]` excluded. */
export function chunksOf(events: readonly SseEvent[]): UIMessageChunk[] {
  return events
    .filter((event) => event.data !== '[DONE]')
    .map((event) => JSON.parse(event.data) as UIMessageChunk);
}

/** The text a client shows for these chunks: its text deltas, concatenated. */
export function textOfChunks(chunks: readonly UIMessageChunk[]): string {
  return chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.delta : '')).join('');
}

/** `<turnId>:<position>` of an event id, or null when the event carries none. */
export function parseSseId(id: string | undefined): { turnId: string; position: number } | null {
  if (id === undefined) return null;
  const separator = id.lastIndexOf(':');
  if (separator === -1) return null;
  return { turnId: id.slice(0, separator), position: Number(id.slice(separator + 1)) };
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
