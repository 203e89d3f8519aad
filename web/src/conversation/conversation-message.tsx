import type { UIMessage } from 'ai';
import { useEffect, useRef, useState } from 'react';
import { MessageEditor } from './message-editor.tsx';
import { readMessageOutcome } from './message-outcome.ts';
import { MessageView } from './message-view.tsx';
import { PencilIcon, RegenerateIcon } from '../icons.tsx';
import './message-editor.css';

/** What the conversation lets the reader do with its messages (besides Copy). */
export interface MessageActionHandlers {
  /** Replaces this answer with a new one (Regenerate; Retry after a failure or a stop). */
  onRegenerate: (answerId: string) => void;
  /** Rewrites this message and answers it again; everything after it goes. */
  onEdit: (messageId: string, text: string) => void;
  /** A turn runs: nothing can be regenerated or edited until it ends. */
  busy: boolean;
}

export interface ConversationMessageProps {
  message: UIMessage;
  streaming: boolean;
  /** The conversation's last message: only its answer can be regenerated. */
  last: boolean;
  actions?: MessageActionHandlers;
}

/**
 * A message with what can be done to it, in its footer after Copy: Edit on a message the user
 * sent (an inline editor then takes its place), and Regenerate — Retry when it failed or was
 * stopped — on the last answer. They hide while a turn runs.
 */
export function ConversationMessage({
  message,
  streaming,
  last,
  actions,
}: ConversationMessageProps) {
  const [editing, setEditing] = useState(false);
  const [refocus, setRefocus] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!refocus) return;
    editButton.current?.focus();
    setRefocus(false);
  }, [refocus]);

  const plain = <MessageView message={message} streaming={streaming} />;
  if (!actions || actions.busy) return plain;

  if (message.role === 'user') {
    const text = editableText(message);
    if (text === null) return plain;
    if (editing) {
      return (
        <MessageEditor
          initialText={text}
          onSave={(edited) => {
            setEditing(false);
            actions.onEdit(message.id, edited);
          }}
          onCancel={() => {
            setEditing(false);
            setRefocus(true);
          }}
        />
      );
    }
    const edit = (
      <button
        ref={editButton}
        type="button"
        className="text-action"
        data-testid="edit-message"
        aria-label="Edit this message"
        onClick={() => setEditing(true)}
      >
        <PencilIcon />
        <span>Edit</span>
      </button>
    );
    return <MessageView message={message} actions={edit} />;
  }

  if (message.role !== 'assistant' || !last || streaming) return plain;
  const { status } = readMessageOutcome(message.metadata);
  const retry = status === 'failed' || status === 'stopped';
  const regenerate = (
    <button
      type="button"
      className="text-action"
      data-testid={retry ? 'retry-answer' : 'regenerate-answer'}
      aria-label={retry ? 'Retry this answer' : 'Regenerate this answer'}
      onClick={() => actions.onRegenerate(message.id)}
    >
      <RegenerateIcon />
      <span>{retry ? 'Retry' : 'Regenerate'}</span>
    </button>
  );
  return <MessageView message={message} actions={regenerate} />;
}

/**
 * The text of a message of text and files (what the server accepts; an edit keeps the files);
 * null otherwise.
 */
function editableText(message: UIMessage): string | null {
  const texts: string[] = [];
  for (const part of message.parts) {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type !== 'step-start' && part.type !== 'file') return null;
  }
  return texts.length > 0 ? texts.join('\n') : null;
}
