import { useCallback, useEffect, useRef, useState } from 'react';
import type { SessionSummary } from '../../src/client/index.ts';
import { readStoredToken, storeToken } from './access-token.ts';
import { createChatServices } from './chat-services.ts';
import type { ComposedMessage } from './conversation/composed-message.ts';
import { DraftChat } from './conversation/draft-chat.tsx';
import { SessionPage } from './conversation/session-page.tsx';
import { MenuIcon } from './icons.tsx';
import { ImageOriginsContext } from './parts/answer-image.tsx';
import { type DownloadFile, DownloadFileContext } from './parts/uploaded-file-view.tsx';
import { untitled } from './sidebar/session-item.tsx';
import { Sidebar } from './sidebar/sidebar.tsx';
import { useSessionList } from './sidebar/use-session-list.ts';
import { useImageOrigins } from './use-image-origins.ts';
import { useOpenSessionId } from './use-open-session-id.ts';
import { useServerNeedsToken } from './use-server-needs-token.ts';
import { TokenHandOffDialog } from './token-hand-off-dialog.tsx';
import { useTokenHandOff } from './use-token-hand-off.ts';

/**
 * The durable-chat web app: the chat list on the left, the open chat on the right. It talks to
 * the server only through the client SDK (see chat-services.ts).
 */
export function App({
  offeredToken = null,
}: {
  /** A `#token=` hand-off that differs from the stored token (see acceptTokenHandOff). */
  offeredToken?: string | null;
} = {}) {
  const tokenRef = useRef(readStoredToken());
  const [token, setToken] = useState(tokenRef.current);
  const [services] = useState(() => createChatServices(() => tokenRef.current));
  const list = useSessionList(services.client);
  const [sessionId, openSession] = useOpenSessionId();
  // Bumped when the token changes, so the open chat reloads with the new identity.
  const [identity, setIdentity] = useState(0);
  const [sidebarOpen, setSidebarOpen] = useState(false);
  const [openSessionRunning, setOpenSessionRunning] = useState(false);
  const [chatAuthRequired, setChatAuthRequired] = useState(false);
  const firstMessages = useRef(new Map<string, ComposedMessage>());
  // The list holds only the pages loaded so far: a chat opened from further down has its
  // title from its own load.
  const [loadedTitle, setLoadedTitle] = useState<LoadedTitle | null>(null);
  const serverNeedsToken = useServerNeedsToken(services.client);
  const imageOrigins = useImageOrigins(services.client);
  const downloadFile = useCallback<DownloadFile>(
    (fileId, options) => services.client.downloadFile(fileId, options),
    [services.client],
  );

  const { refresh } = list;
  const authRequired = list.authRequired || chatAuthRequired;
  const summary = list.sessions.find((session) => session.id === sessionId);
  const title = openChatTitle(sessionId, summary, loadedTitle);
  const mainElement = useRef<HTMLElement>(null);

  useEffect(() => {
    document.title = title === '' ? 'durable-chat' : `${title} · durable-chat`;
  }, [sessionId, title]);

  const open = useCallback(
    (next: string | null) => {
      openSession(next);
      setSidebarOpen(false);
    },
    [openSession],
  );

  const saveToken = useCallback(
    (next: string | null) => {
      tokenRef.current = next;
      storeToken(next);
      setToken(next);
      setChatAuthRequired(false);
      setIdentity((count) => count + 1);
      void refresh();
    },
    [refresh],
  );

  const currentToken = useCallback(() => tokenRef.current, []);
  const tokenHandOff = useTokenHandOff(offeredToken, currentToken, saveToken);

  const onCreated = useCallback(
    (createdId: string, firstMessage: ComposedMessage) => {
      firstMessages.current.set(createdId, firstMessage);
      setLoadedTitle({ sessionId: createdId, title: null });
      open(createdId);
      void refresh();
    },
    [open, refresh],
  );

  const onFirstMessageSent = useCallback(() => {
    if (sessionId !== null) firstMessages.current.delete(sessionId);
  }, [sessionId]);

  const onActivity = useCallback(() => void refresh(), [refresh]);
  const onAuthRequired = useCallback(() => {
    setChatAuthRequired(true);
    setSidebarOpen(true);
  }, []);
  const newChat = useCallback(() => open(null), [open]);
  const onTitleLoaded = useCallback(
    (loadedId: string, loaded: string | null) =>
      setLoadedTitle({ sessionId: loadedId, title: loaded }),
    [],
  );

  return (
    <div className={`app${sidebarOpen ? ' sidebar-open' : ''}`}>
      <a
        className="skip-link"
        href="#message-box"
        onClick={(event) => {
          event.preventDefault();
          focusMessageBox(mainElement.current);
        }}
      >
        Skip to message box
      </a>
      <Sidebar
        list={list}
        openSessionId={sessionId}
        openSessionRunning={openSessionRunning}
        token={token}
        authRequired={authRequired}
        showTokenForm={serverNeedsToken === true || authRequired}
        onOpen={open}
        onNewChat={newChat}
        onDeleted={(deletedId) => {
          if (deletedId === sessionId) open(null);
        }}
        onSaveToken={saveToken}
        onClose={() => setSidebarOpen(false)}
      />
      <div className="sidebar-backdrop" onClick={() => setSidebarOpen(false)} />
      <main className="main" ref={mainElement} tabIndex={-1}>
        <header className="main-header">
          <button
            type="button"
            className="icon-button menu-button"
            aria-label="Show the chat list"
            onClick={() => setSidebarOpen(true)}
          >
            <MenuIcon />
          </button>
          <h1 className="main-title" title={title}>
            {title}
          </h1>
        </header>
        {authRequired && (
          <div className="auth-banner notice notice-info" role="status">
            <span>This server needs an access token to show your chats.</span>
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setSidebarOpen(true);
                // After the drawer has opened: a hidden field cannot take focus.
                setTimeout(() => document.getElementById('token-input')?.focus(), 0);
              }}
            >
              Enter token
            </button>
          </div>
        )}
        <ImageOriginsContext value={imageOrigins}>
          <DownloadFileContext value={downloadFile}>
            {sessionId === null ? (
              <DraftChat
                key={identity}
                services={services}
                onCreated={onCreated}
                onAuthRequired={onAuthRequired}
              />
            ) : (
              <SessionPage
                key={`${sessionId}:${identity}`}
                sessionId={sessionId}
                services={services}
                summary={summary}
                firstMessage={firstMessages.current.get(sessionId)}
                onFirstMessageSent={onFirstMessageSent}
                onTitleLoaded={onTitleLoaded}
                onActivity={onActivity}
                onRunningChange={setOpenSessionRunning}
                onAuthRequired={onAuthRequired}
                onNewChat={newChat}
              />
            )}
          </DownloadFileContext>
        </ImageOriginsContext>
      </main>
      <TokenHandOffDialog handOff={tokenHandOff} />
    </div>
  );
}

interface LoadedTitle {
  sessionId: string;
  title: string | null;
}

/**
 * The open chat's title: from the session list while it lists the chat (it follows renames),
 * else from the chat's own load; '' while neither has said.
 */
function openChatTitle(
  sessionId: string | null,
  summary: SessionSummary | undefined,
  loaded: LoadedTitle | null,
): string {
  if (sessionId === null) return untitled;
  if (summary !== undefined) return summary.title ?? untitled;
  return loaded?.sessionId === sessionId ? (loaded.title ?? untitled) : '';
}

/** The skip link's target: the message box, or the conversation when there is none to type in. */
function focusMessageBox(main: HTMLElement | null): void {
  const box = document.getElementById('message-box');
  if (box instanceof HTMLTextAreaElement && !box.disabled) box.focus();
  else main?.focus();
}
