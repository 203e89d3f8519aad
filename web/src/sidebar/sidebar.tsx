import { useCallback, useEffect, useRef, useState } from 'react';
import type { SessionSummary } from '../../../src/client/index.ts';
import { describeError } from '../chat-services.ts';
import { CloseIcon, PlusIcon } from '../icons.tsx';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { linkOf, SessionGroups } from './session-groups.tsx';
import { untitled } from './session-item.tsx';
import { SessionSearch } from './session-search.tsx';
import { TokenForm } from './token-form.tsx';
import type { SessionList } from './use-session-list.ts';

export interface SidebarProps {
  list: SessionList;
  openSessionId: string | null;
  /** The open chat streams right now: shown as running before the next poll says so. */
  openSessionRunning: boolean;
  token: string | null;
  /** The server refused us somewhere (the list or the open chat): ask for a token. */
  authRequired: boolean;
  /** The server wants a token, or refused us: only then is there a token field. */
  showTokenForm: boolean;
  onOpen: (sessionId: string) => void;
  onNewChat: () => void;
  onDeleted: (sessionId: string) => void;
  onSaveToken: (token: string | null) => void;
  onClose: () => void;
}

export function Sidebar({
  list,
  openSessionId,
  openSessionRunning,
  token,
  authRequired,
  showTokenForm,
  onOpen,
  onNewChat,
  onDeleted,
  onSaveToken,
  onClose,
}: SidebarProps) {
  const [deleting, setDeleting] = useState<SessionSummary | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const navigation = useRef<HTMLElement>(null);
  const newChatButton = useRef<HTMLButtonElement>(null);
  // Where focus goes once a deleted chat has left the list and the dialog has closed: its
  // neighbour, or New chat.
  const focusAfterDelete = useRef<{ deletedId: string; neighbourId: string | null } | null>(null);

  useEffect(() => {
    const pending = focusAfterDelete.current;
    if (
      pending === null ||
      deleting !== null ||
      list.sessions.some((session) => session.id === pending.deletedId)
    ) {
      return;
    }
    focusAfterDelete.current = null;
    const neighbour =
      pending.neighbourId === null ? null : linkOf(navigation.current, pending.neighbourId);
    (neighbour ?? newChatButton.current)?.focus();
  }, [list.sessions, deleting]);

  const rename = useCallback(
    async (sessionId: string, title: string) => {
      setActionError(null);
      try {
        await list.rename(sessionId, title);
      } catch (error) {
        setActionError(`Could not rename the chat: ${describeError(error)}`);
      }
    },
    [list],
  );

  const confirmDelete = async () => {
    if (!deleting) return;
    setDeleteBusy(true);
    setActionError(null);
    const index = list.sessions.findIndex((session) => session.id === deleting.id);
    const neighbour = list.sessions[index + 1] ?? list.sessions[index - 1];
    focusAfterDelete.current = { deletedId: deleting.id, neighbourId: neighbour?.id ?? null };
    try {
      await list.remove(deleting.id);
      onDeleted(deleting.id);
    } catch (error) {
      focusAfterDelete.current = null;
      setActionError(`Could not delete the chat: ${describeError(error)}`);
    } finally {
      setDeleteBusy(false);
      setDeleting(null);
    }
  };
  const cancelDelete = useCallback(() => setDeleting(null), []);

  return (
    <nav className="sidebar" aria-label="Chats" ref={navigation}>
      <div className="sidebar-header">
        <span className="brand">durable-chat</span>
        <button
          ref={newChatButton}
          type="button"
          className="button button-new"
          data-testid="new-chat"
          onClick={onNewChat}
        >
          <PlusIcon /> New chat
        </button>
        <button
          type="button"
          className="icon-button sidebar-close"
          aria-label="Close the chat list"
          onClick={onClose}
        >
          <CloseIcon />
        </button>
      </div>

      <SessionSearch onSearch={list.setSearch} />

      <div className="sidebar-scroll">
        {authRequired ? (
          <p className="sidebar-message" data-testid="auth-required">
            Your chats are private on this server. Enter an access token below to see them.
          </p>
        ) : list.loaded && list.sessions.length === 0 && !list.error ? (
          <p className="sidebar-message muted" data-testid="no-chats">
            {list.search === '' ? 'No chats yet.' : `No chats match “${list.search}”.`}
          </p>
        ) : null}
        <p className="visually-hidden" role="status">
          {list.search === '' || !list.loaded
            ? ''
            : `${list.total} ${list.total === 1 ? 'chat matches' : 'chats match'} “${list.search}”`}
        </p>
        <SessionGroups
          sessions={list.sessions}
          openSessionId={openSessionId}
          openSessionRunning={openSessionRunning}
          onOpen={onOpen}
          onRename={rename}
          onDelete={setDeleting}
        />
        {list.sessions.length < list.total && (
          <button
            type="button"
            className="button button-quiet load-more"
            data-testid="load-more-sessions"
            disabled={list.loadingMore}
            onClick={() => void list.loadMore()}
          >
            {list.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        )}
        {(list.error ?? actionError) && (
          <p className="sidebar-message error-text" role="alert">
            {actionError ?? list.error}
          </p>
        )}
      </div>

      {showTokenForm && (
        <div className="sidebar-footer">
          <TokenForm token={token} required={authRequired} onSave={onSaveToken} />
        </div>
      )}

      {deleting && (
        <ConfirmDialog
          title="Delete this chat?"
          confirmLabel="Delete"
          busy={deleteBusy}
          onConfirm={() => void confirmDelete()}
          onCancel={cancelDelete}
        >
          “{deleting.title ?? untitled}” and all its messages will be deleted. An answer still being
          written is stopped.
        </ConfirmDialog>
      )}
    </nav>
  );
}
