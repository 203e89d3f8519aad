import { UI_MESSAGE_STREAM_HEADERS } from 'ai';

/** Exactly the headers the AI SDK sends with a UI message stream (incl. `x-vercel-ai-ui-message-stream: v1`). */
export const streamHeaders: Readonly<Record<string, string>> = UI_MESSAGE_STREAM_HEADERS;
