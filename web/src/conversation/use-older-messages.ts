import type { UIMessage } from 'ai';
import { useCallback, useRef, useState } from 'react';
import type { DurableChatClient, SessionDetail } from '../../../src/client/index.ts';
import { isAuthError } from '../chat-services.ts';
import {
  type HistoryCursor,
  historyPageSize,
  mergeNewestPage,
  prependOlder,
} from './history-pages.ts';

type SetMessages = (update: (current: UIMessage[]) => UIMessage[]) => void;

/** What the conversation needs to show and load the part of a chat's history before its pages. */
export interface OlderMessages {
  /** Older messages exist on the server. */
  hasMore: boolean;
  loading: boolean;
  /** The last attempt failed; loading again is up to the reader (no automatic retries). */
  failed: boolean;
  /** Reads the page before the loaded messages and puts it in front; a no-op while one loads. */
  loadOlder: () => void;
}

/**
 * The pages of a chat's history in `useChat`'s messages: the chat opens on its newest page and
 * `loadOlder` prepends the page before, so `messages` holds only the loaded pages and a running
 * answer keeps streaming into the last one. `applyNewestPage` merges a re-read of the newest
 * page (after a turn elsewhere) without dropping the older pages already loaded.
 */
export function useOlderMessages({
  client,
  sessionId,
  initial,
  setMessages,
  onAuthRequired,
}: {
  client: DurableChatClient;
  sessionId: string;
  initial: HistoryCursor;
  setMessages: SetMessages;
  onAuthRequired: () => void;
}): OlderMessages & { applyNewestPage: (page: SessionDetail) => void } {
  const [cursor, setCursor] = useState(initial);
  const [loading, setLoading] = useState(false);
  const [failed, setFailed] = useState(false);
  const cursorNow = useRef(initial);
  const loadingNow = useRef(false);
  // A reset of the cursor (see applyNewestPage) turns a page still loading into a stale one.
  const generation = useRef(0);

  const moveCursor = useCallback((next: HistoryCursor) => {
    cursorNow.current = next;
    setCursor(next);
  }, []);

  const loadOlder = useCallback(() => {
    const { hasMore, oldestSequence } = cursorNow.current;
    if (loadingNow.current || !hasMore || oldestSequence === null) return;
    loadingNow.current = true;
    setLoading(true);
    setFailed(false);
    const started = generation.current;
    client
      .getSession(sessionId, { limit: historyPageSize, beforeSequence: oldestSequence })
      .then(
        (page) => {
          if (generation.current !== started) return;
          setMessages((current) => prependOlder(current, page.messages));
          moveCursor({ hasMore: page.has_more_messages, oldestSequence: page.oldest_sequence });
        },
        (error: unknown) => {
          if (generation.current !== started) return;
          if (isAuthError(error)) onAuthRequired();
          setFailed(true);
        },
      )
      .finally(() => {
        if (generation.current !== started) return;
        loadingNow.current = false;
        setLoading(false);
      });
  }, [client, sessionId, setMessages, moveCursor, onAuthRequired]);

  const applyNewestPage = useCallback(
    (page: SessionDetail) => {
      // useChat runs an updater at once on its live messages (a turn may have streamed into
      // them since the page was asked for), so the merge's cursor is known right after.
      const merge = { cursor: null as HistoryCursor | null };
      setMessages((current) => {
        const merged = mergeNewestPage(current, page);
        merge.cursor = merged.cursor;
        return merged.messages;
      });
      const reset = merge.cursor;
      if (reset === null) return;
      generation.current += 1;
      loadingNow.current = false;
      setLoading(false);
      setFailed(false);
      moveCursor(reset);
    },
    [setMessages, moveCursor],
  );

  return { hasMore: cursor.hasMore, loading, failed, loadOlder, applyNewestPage };
}
