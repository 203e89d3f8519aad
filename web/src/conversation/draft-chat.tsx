import { useState } from 'react';
import { type ChatServices, describeError, isAuthError } from '../chat-services.ts';
import { Composer } from './composer.tsx';
import { EmptyConversation } from './message-list.tsx';

/**
 * A new chat before its first message. The session is created when that message is sent, so
 * opening "New chat" and leaving leaves no empty chats behind.
 */
export function DraftChat({
  services,
  onCreated,
  onAuthRequired,
}: {
  services: ChatServices;
  onCreated: (sessionId: string, firstMessage: string) => void;
  onAuthRequired: () => void;
}) {
  const [draft, setDraft] = useState('');
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async (text: string) => {
    setCreating(true);
    setError(null);
    try {
      const session = await services.client.createSession();
      onCreated(session.id, text);
    } catch (reason) {
      if (isAuthError(reason)) onAuthRequired();
      setError(`Could not start the chat: ${describeError(reason)}`);
      setCreating(false);
    }
  };

  return (
    <div className="chat">
      <div className="message-scroller">
        <div className="message-column">
          <EmptyConversation />
          {error && (
            <div className="notice notice-error" data-testid="error-notice" role="alert">
              {error}
            </div>
          )}
        </div>
      </div>
      <Composer
        value={draft}
        onChange={setDraft}
        onSend={(text) => void send(text)}
        onStop={() => undefined}
        status={creating ? 'submitted' : 'ready'}
        running={false}
        disabled={creating}
        autoFocus
      />
    </div>
  );
}
