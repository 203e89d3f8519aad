import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { SessionSummary } from '../../../src/client/index.ts';
import { PencilIcon, TrashIcon } from '../icons.tsx';

export const untitled = 'New chat';

export interface SessionItemProps {
  session: SessionSummary;
  open: boolean;
  /** A turn runs in this session, on any device. */
  active: boolean;
  onOpen: (sessionId: string) => void;
  onRename: (sessionId: string, title: string) => Promise<void>;
  onDelete: (session: SessionSummary) => void;
}

/** One chat in the sidebar: its title, a running indicator, rename in place and delete. */
export function SessionItem({
  session,
  open,
  active,
  onOpen,
  onRename,
  onDelete,
}: SessionItemProps) {
  const [renaming, setRenaming] = useState(false);
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
          onDone={async (value) => {
            setRenaming(false);
            if (value !== null && value !== session.title) await onRename(session.id, value);
          }}
        />
      ) : (
        <a
          className="session-link"
          href={`/?session=${encodeURIComponent(session.id)}`}
          onClick={onClick}
          title={title}
        >
          <span className="session-title" data-testid="session-title">
            {title}
          </span>
          {active && (
            <span className="running-dot" role="img" aria-label="answering" title="Answering…" />
          )}
        </a>
      )}
      {!renaming && (
        <span className="session-actions">
          <button
            type="button"
            className="icon-button"
            data-testid="rename-session"
            aria-label={`Rename ${title}`}
            title="Rename"
            onClick={() => setRenaming(true)}
          >
            <PencilIcon />
          </button>
          <button
            type="button"
            className="icon-button"
            data-testid="delete-session"
            aria-label={`Delete ${title}`}
            title="Delete"
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
  onDone: (value: string | null) => Promise<void>;
}) {
  const [value, setValue] = useState(initial);
  const input = useRef<HTMLInputElement>(null);
  const finished = useRef(false);

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  const finish = (save: boolean) => {
    if (finished.current) return;
    finished.current = true;
    const trimmed = value.trim();
    void onDone(save && trimmed !== '' ? trimmed : null);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      finish(true);
    } else if (event.key === 'Escape') {
      // Handled here: Escape must not also stop a running answer.
      event.preventDefault();
      finish(false);
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
      onBlur={() => finish(true)}
    />
  );
}
