import {
  AbstractChat,
  type ChatInit,
  type ChatState,
  type ChatStatus,
  DefaultChatTransport,
  type UIMessage,
} from 'ai';

/** The AI SDK's own chat state machine with a plain in-memory state (what `useChat` wraps). */
export class TestChat extends AbstractChat<UIMessage> {
  constructor(init: ChatInit<UIMessage>) {
    const state = new PlainChatState(init.messages ?? []);
    super({ ...init, state });
  }
}

class PlainChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[];
  constructor(messages: UIMessage[]) {
    this.messages = messages;
  }
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = [...this.messages.slice(0, index), message, ...this.messages.slice(index + 1)];
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/**
 * An unmodified `DefaultChatTransport`, pointed at durable-chat: POST to the session's stream
 * route, reconnect via the default `{api}/{chatId}/stream` (the chat id is the session id).
 */
export function createTestTransport(
  baseUrl: string,
  headers: Record<string, string> = {},
  /** Extra body fields sent with every message (e.g. `{ multitask: 'reject' }`). */
  extraBody: Record<string, unknown> = {},
) {
  return new DefaultChatTransport<UIMessage>({
    api: `${baseUrl}/api/chat/sessions`,
    headers,
    prepareSendMessagesRequest: ({ id, messages, trigger, messageId }) => ({
      api: `${baseUrl}/api/chat/sessions/${id}/stream`,
      body: { id, messages, trigger, messageId, ...extraBody },
    }),
  });
}

export function textOfMessage(message: UIMessage | undefined): string {
  return (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}

export async function createSession(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await fetch(`${baseUrl}/api/chat/sessions`, { method: 'POST', headers });
  if (!response.ok) throw new Error(`create session failed: ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}
