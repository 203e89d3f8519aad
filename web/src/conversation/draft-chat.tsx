import { useState } from 'react';
import { type ChatServices, describeError, isAuthError } from '../chat-services.ts';
import type { ComposedMessage } from './composed-message.ts';
import { Composer } from './composer.tsx';
import { EmptyConversation } from './message-list.tsx';
import { useAttachments } from './use-attachments.ts';
import { useFileDrop } from './use-file-drop.ts';

/**
 * A new chat before its first message. The session is created when that message is sent, so
 * opening "New chat" and leaving leaves no empty chats behind. Files attached here upload at
 * once (they belong to the user, not to a session) and go with the first message.
 */
export function DraftChat({
  services,
  onCreated,
  onAuthRequired,
}: {
  services: ChatServices;
  onCreated: (sessionId: string, firstMessage: ComposedMessage) => void;
  onAuthRequired: () => void;
}) {
  const [draft, setDraft] = useState('');
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const attachments = useAttachments(services.uploadFile);
  const fileDrop = useFileDrop(attachments.add);

  const send = async (text: string) => {
    setCreating(true);
    setError(null);
    try {
      const session = await services.client.createSession();
      onCreated(session.id, { text, files: attachments.parts });
    } catch (reason) {
      if (isAuthError(reason)) onAuthRequired();
      setError(`Could not start the chat: ${describeError(reason)}`);
      setCreating(false);
    }
  };

  return (
    <div className={`chat${fileDrop.dragging ? ' chat-dropping' : ''}`} {...fileDrop.handlers}>
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
        attachments={attachments}
      />
    </div>
  );
}
