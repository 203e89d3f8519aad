import type { ChatStatus } from 'ai';
import {
  useEffect,
  useRef,
  type ChangeEvent,
  type ClipboardEvent,
  type FormEvent,
  type KeyboardEvent,
  type MouseEvent,
  type RefObject,
} from 'react';
import { PaperclipIcon } from '../icons.tsx';
import { AttachmentList } from './attachment-list.tsx';
import type { Attachments } from './use-attachments.ts';

export interface ComposerProps {
  value: string;
  onChange: (value: string) => void;
  /**
   * Enter or Send. While a turn runs this is a follow-up the running answer takes in. The text
   * is empty when the message is only its attachments.
   */
  onSend: (text: string) => void;
  /**
   * Ctrl/⌘+Enter or "Interrupt & send" while a turn runs: stop the answer and answer this
   * instead. Without it, a running turn makes the composer wait (Send disabled).
   */
  onInterrupt?: (text: string) => void;
  onStop: () => void;
  /** useChat's status, exposed as `chat-status` for people and tests. */
  status: ChatStatus;
  /** A turn runs in this chat (here or, once attached, elsewhere): Stop works, Send follows up. */
  running: boolean;
  stopping?: boolean;
  disabled?: boolean;
  autoFocus?: boolean;
  /** The text box, for a conversation that moves focus back to it (after a Stop by Escape). */
  inputRef?: RefObject<HTMLTextAreaElement | null>;
  /**
   * The files the message attaches (by the attach button, a paste, or a drop the conversation
   * passes on); without it the composer sends text only.
   */
  attachments?: Attachments;
}

const statusLabels: Record<ChatStatus, string> = {
  submitted: 'Waiting for the answer…',
  streaming: 'Answering…',
  ready: '',
  error: '',
};

/** Apple keyboards say ⌘ where others say Ctrl; both keys work everywhere. */
const interruptKey =
  typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';

/**
 * The message box. Enter sends, Shift+Enter starts a new line, Escape stops the running turn
 * (also handled page-wide by the conversation). While a turn runs the box stays usable: Enter
 * and Send add the message to the running answer, Ctrl/⌘+Enter and "Interrupt & send" stop the
 * answer and send it instead.
 */
export function Composer({
  value,
  onChange,
  onSend,
  onInterrupt,
  onStop,
  status,
  running,
  stopping = false,
  disabled = false,
  autoFocus = false,
  inputRef,
  attachments,
}: ComposerProps) {
  const ownInput = useRef<HTMLTextAreaElement>(null);
  const input = inputRef ?? ownInput;
  const filePicker = useRef<HTMLInputElement>(null);
  const followsUp = running && onInterrupt !== undefined;
  const hasFiles = (attachments?.items.length ?? 0) > 0;
  // A file still uploading, or refused, would be silently left out: it is sent or removed first.
  const filesReady = attachments?.ready ?? true;
  const canSend =
    (!running || followsUp) && !disabled && filesReady && (value.trim() !== '' || hasFiles);

  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [autoFocus, input]);

  const send = () => {
    if (canSend) onSend(value.trim());
  };

  const interrupt = () => {
    if (canSend && followsUp) onInterrupt(value.trim());
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    send();
  };

  // The Stop button disappears once the answer ends, and the focus it held would fall to the
  // page: keep it in the text box, ready for the next message. Not after a tap, where focusing
  // the text box would pop up the on-screen keyboard the user did not ask for.
  const onStopClick = (event: MouseEvent<HTMLButtonElement>) => {
    const { nativeEvent } = event;
    const tapped = 'pointerType' in nativeEvent && nativeEvent.pointerType === 'touch';
    if (!tapped) input.current?.focus();
    onStop();
  };

  const onFilesPicked = (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    // Cleared, so picking the same file again (after removing it) is a change too.
    event.target.value = '';
    if (files.length > 0) attachments?.add(files);
    input.current?.focus();
  };

  // A pasted screenshot or copied file is attached; pasted text stays the text box's.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = [...event.clipboardData.files];
    if (attachments === undefined || files.length === 0) return;
    event.preventDefault();
    attachments.add(files);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // While an input method composes (Japanese, Chinese…), Enter confirms the composition.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      if (event.ctrlKey || event.metaKey) {
        // Idle, there is nothing to interrupt: the shortcut simply sends.
        if (followsUp) interrupt();
        else send();
      } else {
        send();
      }
    } else if (event.key === 'Escape' && running) {
      event.preventDefault();
      onStop();
    }
  };

  return (
    <form className="composer" onSubmit={onSubmit}>
      {attachments && <AttachmentList items={attachments.items} onRemove={attachments.remove} />}
      <div className="composer-box">
        {attachments && (
          <>
            <button
              type="button"
              className="icon-button composer-attach"
              data-testid="attach-files"
              aria-label="Attach files"
              title="Attach files (or drop or paste them here)"
              disabled={disabled}
              onClick={() => filePicker.current?.click()}
            >
              <PaperclipIcon />
            </button>
            <input
              ref={filePicker}
              type="file"
              multiple
              hidden
              data-testid="file-picker"
              onChange={onFilesPicked}
            />
          </>
        )}
        <textarea
          ref={input}
          id="message-box"
          data-testid="composer-input"
          aria-label="Message"
          placeholder={
            followsUp
              ? 'Add to the answer, or press Esc to stop'
              : running
                ? 'Wait for the answer, or press Esc to stop'
                : 'Message'
          }
          rows={1}
          value={value}
          disabled={disabled}
          onChange={(event) => onChange(event.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <div className="composer-actions">
          {running && (
            <button
              type="button"
              className="button button-stop"
              data-testid="stop"
              onClick={onStopClick}
              aria-label="Stop the answer"
            >
              <span className="stop-square" aria-hidden="true" />
              {stopping ? 'Stopping…' : 'Stop'}
            </button>
          )}
          {followsUp && (
            <button
              type="button"
              className="button"
              data-testid="interrupt-and-send"
              disabled={!canSend}
              onClick={interrupt}
              title={`Stop the answer and answer this instead (${interruptKey}+Enter)`}
            >
              Interrupt & send
            </button>
          )}
          <button
            type="submit"
            className="button button-primary"
            data-testid="send"
            disabled={!canSend}
            title={
              !filesReady
                ? 'Wait for the files to upload, or remove the ones that failed'
                : followsUp
                  ? 'Add this to the answer being written (Enter)'
                  : undefined
            }
          >
            Send
          </button>
        </div>
      </div>
      <div className="composer-footer">
        <span data-testid="chat-status" data-status={status} aria-live="polite">
          {statusLabels[status]}
        </span>
        <span className="muted keyboard-hint">
          {followsUp
            ? `Enter to add to the answer · ${interruptKey}+Enter to interrupt & send · Esc to stop`
            : `Enter to send · Shift+Enter for a new line${running ? ' · Esc to stop' : ''}`}
        </span>
      </div>
    </form>
  );
}
