import type { UIMessage } from 'ai';
import { useEffect, useState } from 'react';
import type { SessionSummary } from '../../../src/client/index.ts';
import { type ChatServices, describeError, isApiError, isAuthError } from '../chat-services.ts';
import { ChatView } from './chat-view.tsx';
import type { ComposedMessage } from './composed-message.ts';
import { cursorOf, type HistoryCursor, historyPageSize, wholeHistory } from './history-pages.ts';
import { type PendingFollowUp, readPendingFollowUps } from './pending-follow-ups.ts';
import { TypingDots } from './working-indicator.tsx';

type LoadState =
  | { kind: 'loading' }
  | {
      kind: 'ready';
      messages: UIMessage[];
      history: HistoryCursor;
      updatedAt: string | null;
      pendingFollowUps: PendingFollowUp[];
    }
  | { kind: 'failed'; error: unknown };

export interface SessionPageProps {
  sessionId: string;
  services: ChatServices;
  summary: SessionSummary | undefined;
  firstMessage: ComposedMessage | undefined;
  onFirstMessageSent: () => void;
  /** The session's title as its load found it (the list may not hold this session). */
  onTitleLoaded: (sessionId: string, title: string | null) => void;
  onActivity: () => void;
  onRunningChange: (running: boolean) => void;
  onAuthRequired: () => void;
  onNewChat: () => void;
}

/**
 * Loads the newest page of a session's messages, then opens its chat (older pages load as the
 * reader scrolls up). A chat created a moment ago (with its first message waiting) has nothing
 * to load.
 */
export function SessionPage(props: SessionPageProps) {
  const { sessionId, services, firstMessage, onAuthRequired, onNewChat, onTitleLoaded } = props;
  const [state, setState] = useState<LoadState>(() =>
    firstMessage === undefined
      ? { kind: 'loading' }
      : {
          kind: 'ready',
          messages: [],
          history: wholeHistory,
          updatedAt: null,
          pendingFollowUps: [],
        },
  );
  const [attempt, setAttempt] = useState(0);
  const needsLoad = state.kind === 'loading';

  useEffect(() => {
    if (!needsLoad) return;
    const controller = new AbortController();
    // The newest page only: a chat of any length opens as fast as a short one.
    const page = { limit: historyPageSize, signal: controller.signal };
    services.client.getSession(sessionId, page).then(
      (detail) => {
        onTitleLoaded(sessionId, detail.title);
        setState({
          kind: 'ready',
          messages: detail.messages,
          history: cursorOf(detail),
          updatedAt: detail.updated_at,
          pendingFollowUps: readPendingFollowUps(detail),
        });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (isAuthError(error)) onAuthRequired();
        setState({ kind: 'failed', error });
      },
    );
    return () => controller.abort();
  }, [needsLoad, attempt, services, sessionId, onAuthRequired, onTitleLoaded]);

  if (state.kind === 'loading') {
    return (
      <div className="page-message" aria-busy="true">
        <TypingDots />
      </div>
    );
  }
  if (state.kind === 'failed') {
    const missing = isApiError(state.error, 'SESSION_NOT_FOUND');
    return (
      <div className="page-message" role="alert">
        <h2>
          {missing
            ? 'This chat does not exist'
            : isAuthError(state.error)
              ? 'This chat needs an access token'
              : 'This chat could not be loaded'}
        </h2>
        <p className="muted">
          {missing
            ? 'It may have been deleted, or it belongs to another account.'
            : isAuthError(state.error)
              ? 'Enter your token in the sidebar, then try again.'
              : describeError(state.error)}
        </p>
        <div className="page-actions">
          {!missing && (
            <button
              type="button"
              className="button"
              onClick={() => {
                setState({ kind: 'loading' });
                setAttempt((count) => count + 1);
              }}
            >
              Try again
            </button>
          )}
          <button type="button" className="button button-primary" onClick={onNewChat}>
            New chat
          </button>
        </div>
      </div>
    );
  }
  return (
    <ChatView
      sessionId={sessionId}
      initialMessages={state.messages}
      initialHistory={state.history}
      initialUpdatedAt={state.updatedAt}
      initialPendingFollowUps={state.pendingFollowUps}
      services={services}
      summary={props.summary}
      onFirstMessageSent={props.onFirstMessageSent}
      onActivity={props.onActivity}
      onRunningChange={props.onRunningChange}
      onAuthRequired={onAuthRequired}
      {...(firstMessage === undefined ? {} : { firstMessage })}
    />
  );
}
