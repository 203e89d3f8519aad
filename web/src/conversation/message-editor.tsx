import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';

export interface MessageEditorProps {
  /** The message's text as sent. */
  initialText: string;
  /** Sends the new text; the editor closes. */
  onSave: (text: string) => void;
  onCancel: () => void;
}

/**
 * Edits a sent message in place. Save & send replaces the message and everything after it with
 * a new answer to the new text; unchanged or blank text cannot be sent (Regenerate is for a new
 * answer to the same text). Enter saves, Shift+Enter starts a new line, Escape cancels.
 */
export function MessageEditor({ initialText, onSave, onCancel }: MessageEditorProps) {
  const [text, setText] = useState(initialText);
  const input = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const trimmed = text.trim();
  const canSave = trimmed !== '' && trimmed !== initialText.trim();

  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.focus();
    element.setSelectionRange(element.value.length, element.value.length);
  }, []);

  // Grows with its text, as the composer does, up to the height the stylesheet allows.
  useEffect(() => {
    const element = input.current;
    if (!element) return;
    element.style.height = 'auto';
    element.style.height = `${element.scrollHeight}px`;
  }, [text]);

  const save = () => {
    if (canSave) onSave(trimmed);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      save();
    } else if (event.key === 'Escape') {
      // Handled here: the page's Escape (Stop) must not see it.
      event.preventDefault();
      onCancel();
    }
  };

  return (
    <form className="message message-editor" data-testid="message-editor" onSubmit={onSubmit}>
      <textarea
        ref={input}
        data-testid="message-editor-input"
        aria-label="Edit your message"
        aria-describedby={hintId}
        rows={1}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="message-editor-footer">
        <span id={hintId} className="muted message-editor-hint">
          Sending replaces this message and everything after it.
        </span>
        <div className="message-editor-buttons">
          <button
            type="button"
            className="button"
            data-testid="message-editor-cancel"
            onClick={onCancel}
          >
            Cancel
          </button>
          <button
            type="submit"
            className="button button-primary"
            data-testid="message-editor-save"
            disabled={!canSave}
          >
            Save &amp; send
          </button>
        </div>
      </div>
    </form>
  );
}
