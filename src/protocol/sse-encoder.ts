import type { UIMessageChunk } from 'ai';

/** One data event with its resume id. JSON never contains a raw newline, so one `data:` line suffices. */
export function encodeChunkEvent(eventId: string | undefined, chunk: UIMessageChunk): string {
  // Without an `id:` line a client's Last-Event-ID stays at the last logged chunk: for a chunk only
  // this reader gets, which is at no position of the turn's log.
  if (eventId === undefined) return `data: ${JSON.stringify(chunk)}\n\n`;
  return `id: ${eventId}\ndata: ${JSON.stringify(chunk)}\n\n`;
}

/** A comment line: keeps proxies and load balancers from closing an idle stream; clients ignore it. */
export function encodeHeartbeat(): string {
  return ': heartbeat\n\n';
}

/** The AI SDK's end-of-stream marker. */
export function encodeDone(): string {
  return 'data: [DONE]\n\n';
}
