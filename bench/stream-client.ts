import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';

/** What one streamed HTTP response delivered, timed from just before the request was sent. */
export interface StreamOutcome {
  status: number;
  /** Response headers (the server accepted the request and attached a reader). */
  headersMs: number | null;
  /** First body byte (the first SSE event); null when no body byte came. */
  firstByteMs: number | null;
  /** The response ended (or was stopped by `stopWhen`). */
  totalMs: number;
  /** SSE data events, `[DONE]` excluded. */
  events: number;
  /**
   * Words of the answer received: spaces inside text deltas (every word but the last carries its
   * trailing space; the serialized chunk has no other spaces), plus one when the text ended.
   */
  words: number;
  /** The stream delivered `data: [DONE]`. */
  done: boolean;
  /** Position of the last event that carried an `id: <turn>:<position>` line, 0 when none. */
  lastPosition: number;
  lastEventId: string | undefined;
  /** The body of a response that was not an event stream (JSON, or an error). */
  plainBody: string | undefined;
}

export interface StreamRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  /** Called for every data event (after the outcome counters were updated). */
  onEvent?: (outcome: StreamOutcome, data: string, atMs: number) => void;
  /** Returning true stops reading (the connection is destroyed, as a client that goes away). */
  stopWhen?: (outcome: StreamOutcome) => boolean;
  timeoutMs: number;
}

/** One keep-alive pool for the whole generator, without a socket limit (concurrency is ours). */
export const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/**
 * Sends one request and reads its SSE body with a minimal parser: the generator shares two cores
 * with the servers it measures, so it does not JSON-parse chunks, it only counts them.
 */
export function streamRequest(options: StreamRequest): Promise<StreamOutcome> {
  const started = performance.now();
  const outcome: StreamOutcome = {
    status: 0,
    headersMs: null,
    firstByteMs: null,
    totalMs: 0,
    events: 0,
    words: 0,
    done: false,
    lastPosition: 0,
    lastEventId: undefined,
    plainBody: undefined,
  };
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(options.url, {
      method: options.method,
      agent,
      headers: {
        ...(payload === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        ...options.headers,
      },
    });
    const timer = setTimeout(
      () => outgoing.destroy(new Error(`no end within ${options.timeoutMs} ms: ${options.url}`)),
      options.timeoutMs,
    );
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome.totalMs = performance.now() - started;
      if (error) reject(error);
      else resolve(outcome);
    };
    outgoing.once('error', (error) => finish(error));
    outgoing.once('response', (response) => {
      outcome.status = response.statusCode ?? 0;
      outcome.headersMs = performance.now() - started;
      const isStream = (response.headers['content-type'] ?? '').includes('text/event-stream');
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        const atMs = performance.now() - started;
        outcome.firstByteMs ??= atMs;
        if (!isStream) {
          outcome.plainBody = (outcome.plainBody ?? '') + text;
          return;
        }
        pending += text;
        let boundary = pending.indexOf('\n\n');
        while (boundary !== -1) {
          const block = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          boundary = pending.indexOf('\n\n');
          const data = readEvent(block, outcome);
          if (data === undefined) continue;
          options.onEvent?.(outcome, data, atMs);
          if (options.stopWhen?.(outcome)) {
            response.destroy();
            finish();
            return;
          }
        }
      });
      response.once('end', () => finish());
      response.once('close', () => finish());
      response.once('error', (error) => finish(error));
    });
    outgoing.end(payload);
  });
}

/** Updates the counters for one SSE block; returns its data, or undefined for a comment. */
function readEvent(block: string, outcome: StreamOutcome): string | undefined {
  let data: string | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith('data: ')) data = line.slice(6);
    else if (line.startsWith('id: ')) {
      outcome.lastEventId = line.slice(4);
      const position = Number(outcome.lastEventId.slice(outcome.lastEventId.lastIndexOf(':') + 1));
      if (Number.isInteger(position)) outcome.lastPosition = position;
    }
  }
  if (data === undefined) return undefined;
  if (data === '[DONE]') {
    outcome.done = true;
    return data;
  }
  outcome.events += 1;
  if (data.includes('"type":"text-delta"')) outcome.words += countSpaces(data);
  else if (data.includes('"type":"text-end"')) outcome.words += 1;
  return data;
}

function countSpaces(text: string): number {
  let count = 0;
  for (let index = text.indexOf(' '); index !== -1; index = text.indexOf(' ', index + 1)) {
    count += 1;
  }
  return count;
}
