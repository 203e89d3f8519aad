import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { SessionSummary } from '../../../src/client/index.ts';
import { PencilIcon, TrashIcon } from '../icons.tsx';

export const untitled = 'New chat';

export interface SessionItemProps {
  session: SessionSummary;
  open: boolean;
  /** A turn runs in this session, on any device. */
  active: boolean;
  /** This chat holds the list's one Tab stop (the others are reached with the arrow keys). */
  tabbable: boolean;
  renaming: boolean;
  /** Id of the text that tells keyboard users how to move in the list and reach the actions. */
  keyboardHintId: string;
  onOpen: (sessionId: string) => void;
  onStartRename: (sessionId: string) => void;
  /** The rename ended; `keyboard`: by Enter or Escape, so focus goes back to the chat. */
  onEndRename: (sessionId: string, title: string | null, keyboard: boolean) => Promise<void>;
  onDelete: (session: SessionSummary) => void;
}

/**
 * One chat in the sidebar: its title, a running indicator, rename in place and delete. The
 * link is the row's only Tab stop; Rename and Delete are reached with the arrow keys (or F2 and
 * Delete), see `SessionGroups`.
 */
export function SessionItem({
  session,
  open,
  active,
  tabbable,
  renaming,
  keyboardHintId,
  onOpen,
  onStartRename,
  onEndRename,
  onDelete,
}: SessionItemProps) {
  const title = session.title ?? untitled;

  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    // Let the browser open a new tab or window for modified clicks.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    onOpen(session.id);
  };

  return (
    <li
      className={`session-item${open ? ' is-open' : ''}`}
      data-testid="session-item"
      data-session-id={session.id}
      data-active={active ? 'true' : 'false'}
      aria-current={open ? 'page' : undefined}
    >
      {renaming ? (
        <RenameInput
          initial={session.title ?? ''}
          onDone={(value, keyboard) => onEndRename(session.id, value, keyboard)}
        />
      ) : (
        <a
          className="session-link"
          href={`/?session=${encodeURIComponent(session.id)}`}
          tabIndex={tabbable ? 0 : -1}
          aria-describedby={keyboardHintId}
          aria-keyshortcuts="F2 Delete"
          onClick={onClick}
          title={title}
        >
          <span className="session-title" data-testid="session-title">
            {title}
          </span>
          {active && (
            <span
              className="running-dot"
              data-testid="running-dot"
              role="img"
              aria-label="answering now"
              title="Answering…"
            />
          )}
        </a>
      )}
      {!renaming && (
        <span className="session-actions">
          <button
            type="button"
            className="icon-button"
            data-testid="rename-session"
            tabIndex={-1}
            aria-label={`Rename ${title}`}
            title="Rename (F2)"
            onClick={() => onStartRename(session.id)}
          >
            <PencilIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            data-testid="delete-session"
            tabIndex={-1}
            aria-label={`Delete ${title}`}
            title="Delete (Delete key)"
            onClick={() => onDelete(session)}
          >
            <TrashIcon />
          </button>
        </span>
      )}
    </li>
  );
}

/** Enter saves, Escape cancels, leaving the field saves; a blank title is not saved. */
function RenameInput({
  initial,
  onDone,
}: {
  initial: string;
  onDone: (value: string | null, keyboard: boolean) => Promise<void>;
}) {
  const [value, setValue] = useState(initial);
  const input = useRef<HTMLInputElement>(null);
  const finished = useRef(false);

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  const finish = (save: boolean, keyboard: boolean) => {
    if (finished.current) return;
    finished.current = true;
    const trimmed = value.trim();
    void onDone(save && trimmed !== '' ? trimmed : null, keyboard);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      finish(true, true);
    } else if (event.key === 'Escape') {
      // Handled here: Escape must not also stop a running answer.
      event.preventDefault();
      finish(false, true);
    }
  };

  return (
    <input
      ref={input}
      className="rename-input"
      data-testid="rename-input"
      aria-label="Chat title"
      maxLength={200}
      value={value}
      onChange={(event) => setValue(event.target.value)}
      onKeyDown={onKeyDown}
      onBlur={() => finish(true, false)}
    />
  );
}
