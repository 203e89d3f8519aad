import { UI_MESSAGE_STREAM_HEADERS } from 'ai';

/** Exactly the headers the AI SDK sends with a UI message stream (incl. `x-vercel-ai-ui-message-stream: v1`). */
export const streamHeaders: Readonly<Record<string, string>> = UI_MESSAGE_STREAM_HEADERS;

/**
 * The turn a stream response serves. A reader whose connection breaks before the first chunk
 * arrives (no event id yet) still knows which turn to resume: `Last-Event-ID: <turnId>:0`.
 */
export const turnIdHeader = 'x-durable-chat-turn-id';

/**
 * Where a POSTed message went (`started`, `retried`, `steered`, `queued`, `interrupted`): with
 * `steered` and `queued` the stream is the running turn's, replayed from its start, and the
 * message shows there as a `steering-message` part once its model takes it — or, when the turn
 * ends without it, it starts the session's next turn (re-attach with `GET …/stream`).
 */
export const multitaskHeader = 'x-durable-chat-multitask';

/**
 * The position a stream response starts after, when not at the turn's start: the POST that
 * answers tool approvals reads the continued turn from after the restored answer (which its
 * client holds), so its first chunk is not position 1. Absent means 0.
 */
export const streamAfterHeader = 'x-durable-chat-after';
