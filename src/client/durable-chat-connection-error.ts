/**
 * The connection to the server failed (refused, reset, or the stream ended early) and the reader
 * gave up after its reconnect attempts. It extends `TypeError`, the class `fetch` itself uses
 * for network failures, and its message says "network", so code that tells disconnects from
 * server errors (the AI SDK's `useChat` does: it then allows a later resume) keeps working.
 */
export class DurableChatConnectionError extends TypeError {
  readonly attempts: number;

  constructor(message: string, attempts: number, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'DurableChatConnectionError';
    this.attempts = attempts;
  }
}

/**
 * The server answered something that breaks the stream contract (an event without an id, a
 * chunk that is not JSON, a gap in the positions). Not retried: reconnecting would not help.
 */
export class DurableChatProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurableChatProtocolError';
  }
}
