import { useCallback, useEffect, useRef, useState } from 'react';
import { readStoredToken, storeToken } from './access-token.ts';
import { createChatServices } from './chat-services.ts';
import { DraftChat } from './conversation/draft-chat.tsx';
import { SessionPage } from './conversation/session-page.tsx';
import { MenuIcon } from './icons.tsx';
import { untitled } from './sidebar/session-item.tsx';
import { Sidebar } from './sidebar/sidebar.tsx';
import { useSessionList } from './sidebar/use-session-list.ts';
import { useOpenSessionId } from './use-open-session-id.ts';

/**
 * The durable-chat web app: the chat list on the left, the open chat on the right. It talks to
 * the server only through the client SDK (see chat-services.ts).
 */
export function App() {
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
  const firstMessages = useRef(new Map<string, string>());

  const { refresh } = list;
  const authRequired = list.authRequired || chatAuthRequired;
  const summary = list.sessions.find((session) => session.id === sessionId);
  const title = sessionId === null ? 'New chat' : (summary?.title ?? untitled);

  useEffect(() => {
    document.title = sessionId === null ? 'durable-chat' : `${title} · durable-chat`;
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

  const onCreated = useCallback(
    (createdId: string, firstMessage: string) => {
      firstMessages.current.set(createdId, firstMessage);
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

  return (
    <div className={`app${sidebarOpen ? ' sidebar-open' : ''}`}>
      <Sidebar
        list={list}
        openSessionId={sessionId}
        openSessionRunning={openSessionRunning}
        token={token}
        authRequired={authRequired}
        onOpen={open}
        onNewChat={newChat}
        onDeleted={(deletedId) => {
          if (deletedId === sessionId) open(null);
        }}
        onSaveToken={saveToken}
        onClose={() => setSidebarOpen(false)}
      />
      <div className="sidebar-backdrop" onClick={() => setSidebarOpen(false)} />
      <main className="main">
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
            onActivity={onActivity}
            onRunningChange={setOpenSessionRunning}
            onAuthRequired={onAuthRequired}
            onNewChat={newChat}
          />
        )}
      </main>
    </div>
  );
}
