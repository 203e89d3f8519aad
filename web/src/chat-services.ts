import type { ChatTransport, UIMessage } from 'ai';
import {
  createChatTransport,
  DurableChatApiError,
  DurableChatClient,
} from '../../src/client/index.ts';
import { withTurnOutcomeMetadata } from './conversation/with-turn-outcome-metadata.ts';

/** The app's only ways to reach the server: the SDK's REST client and its `useChat` transport. */
export interface ChatServices {
  client: DurableChatClient;
  transport: ChatTransport<UIMessage>;
}

/**
 * Both read the token through `getToken` on every request, so saving a new token applies at
 * once without rebuilding either.
 */
export function createChatServices(getToken: () => string | null): ChatServices {
  const options = { token: () => getToken() };
  return {
    client: new DurableChatClient(options),
    transport: withTurnOutcomeMetadata(createChatTransport(options)),
  };
}

export function isApiError(error: unknown, code?: string): error is DurableChatApiError {
  return error instanceof DurableChatApiError && (code === undefined || error.code === code);
}

/** The server refused the caller: no token, or one it does not accept. */
export function isAuthError(error: unknown): boolean {
  return error instanceof DurableChatApiError && error.status === 401;
}

/** A message for people: the API's own message, or what went wrong on the way. */
export function describeError(error: unknown): string {
  if (error instanceof DurableChatApiError) return error.message;
  if (error instanceof TypeError && /fetch|network|load failed/i.test(error.message)) {
    return 'The server cannot be reached. Check your connection.';
  }
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}
