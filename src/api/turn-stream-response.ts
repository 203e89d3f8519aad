import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import { formatEventId } from '../protocol/event-id.ts';
import { encodeChunkEvent, encodeDone, encodeHeartbeat } from '../protocol/sse-encoder.ts';
import { streamHeaders, turnIdHeader } from '../protocol/stream-headers.ts';
import { type StreamRegistry, TurnNotFoundError } from '../registry/stream-registry.ts';
import { unfinishedAnswerText } from '../turn/turn-outcomes.ts';

export interface TurnStreamOptions {
  registry: StreamRegistry;
  metrics: Metrics;
  logger: Logger;
  turnId: string;
  /** Deliver chunks with positions greater than this. */
  after: number;
  heartbeatIntervalMs: number;
  /** Called once when the response ends, however it ends (its stream slot is freed). */
  onClose?: () => void;
  /** Extra response headers (e.g. where a POSTed message went). */
  headers?: Record<string, string>;
}

/**
 * Serves one turn as an AI SDK UI message stream over SSE: every chunk with an `id:` line, heartbeat
 * comments while the model is silent, `data: [DONE]` after the terminal event. The client going
 * away only stops this reader — it never touches the turn (invariant 6).
 */
export function createTurnStreamResponse(options: TurnStreamOptions): Response {
  const { registry, metrics, logger, turnId, after } = options;
  const reading = new AbortController();
  const encoder = new TextEncoder();
  let heartbeat: NodeJS.Timeout | undefined;
  const finish = () => {
    clearInterval(heartbeat);
    if (!reading.signal.aborted) {
      reading.abort();
      metrics.openStreams.dec();
      options.onClose?.();
    }
  };
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      metrics.openStreams.inc();
      // Events that arrive in one turn of the event loop (a model hands over every token due at
      // once, and a resumed reader replays many) leave as one write: each write costs a stream
      // read, an encode and a socket write, whatever its size.
      let pending = '';
      let flushScheduled = false;
      const flush = () => {
        flushScheduled = false;
        if (pending === '' || reading.signal.aborted) return;
        const text = pending;
        pending = '';
        controller.enqueue(encoder.encode(text));
      };
      const send = (text: string) => {
        if (reading.signal.aborted) return;
        pending += text;
        if (!flushScheduled) {
          flushScheduled = true;
          setImmediate(flush);
        }
      };
      heartbeat = setInterval(() => send(encodeHeartbeat()), options.heartbeatIntervalMs);
      try {
        for await (const event of registry.read(turnId, { after, signal: reading.signal })) {
          if (event.type === 'chunk')
            send(encodeChunkEvent(formatEventId(turnId, event.position), event.chunk));
          else send(encodeDone());
        }
      } catch (error) {
        if (error instanceof TurnNotFoundError) {
          // The turn's state is gone for good (a Redis restarted without persistence): nothing
          // to reconnect to, so the reader is told the answer ended, the way the store ends it.
          send(encodeChunkEvent(undefined, { type: 'error', errorText: unfinishedAnswerText }));
          send(encodeDone());
          logger.warn({ turnId }, 'the turn vanished while a reader waited');
        } else if (!reading.signal.aborted) {
          logger.error({ err: error, turnId }, 'turn stream failed');
        }
      } finally {
        const wasOpen = !reading.signal.aborted;
        if (wasOpen) flush();
        finish();
        if (wasOpen) controller.close();
      }
    },
    cancel() {
      finish();
    },
  });
  return new Response(body, {
    status: 200,
    headers: { ...streamHeaders, ...options.headers, [turnIdHeader]: turnId },
  });
}
