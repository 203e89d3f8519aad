import { UI_MESSAGE_STREAM_HEADERS } from 'ai';

/** Exactly the headers the AI SDK sends with a UI message stream (incl. `x-vercel-ai-ui-message-stream: v1`). */
export const streamHeaders: Readonly<Record<string, string>> = UI_MESSAGE_STREAM_HEADERS;

/**
 * The turn a stream response serves. A reader whose connection breaks before the first chunk
 * arrives (no event id yet) still knows which turn to resume: `Last-Event-ID: <turnId>:0`.
 */
export const turnIdHeader = 'x-durable-chat-turn-id';

/**
 * What a `POST /sessions/:id/stream` did with its message (issue 11): `started` a turn, was
 * `steered` into or `queued` for the running one (the response replays that turn), or
 * `interrupted` it and started a new one (the response streams the new turn).
 */
export const multitaskHeader = 'x-multitask';
