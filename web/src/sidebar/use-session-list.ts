import { useCallback, useEffect, useRef, useState } from 'react';
import type { DurableChatClient, SessionSummary } from '../../../src/client/index.ts';
import { describeError, isApiError, isAuthError } from '../chat-services.ts';

export const sessionPageSize = 30;
/** The API returns at most this many sessions per request. */
const largestPage = 100;
/**
 * Why poll: the server pushes nothing outside a turn's own stream, so a turn started on another
 * device, a title set by the server, or a chat deleted elsewhere only shows up when we ask. One
 * small indexed query every few seconds, only while the page is visible, is simpler and more
 * robust across API processes than a push channel would be.
 */
const pollIntervalMs = 4000;

export const noVisitorCookie =
  'This browser did not keep the cookie that tells this server your chats apart from ' +
  "others', so it cannot list them. Allow cookies for this site and reload the page.";

export interface SessionList {
  sessions: SessionSummary[];
  total: number;
  loaded: boolean;
  /** The server needs a token to list sessions (or refused the one we have). */
  authRequired: boolean;
  error: string | null;
  loadingMore: boolean;
  /** The search the listed chats answer (by title or message text); '' when they are all. */
  search: string;
  /** Lists only the chats matching `text` (from the server, across all pages), or all for ''. */
  setSearch: (text: string) => void;
  refresh: () => Promise<void>;
  loadMore: () => Promise<void>;
  rename: (sessionId: string, title: string) => Promise<void>;
  remove: (sessionId: string) => Promise<void>;
}

/**
 * The caller's sessions, newest activity first, in pages of 30, kept fresh by polling every page
 * loaded so far (up to 100) while the page is visible. A search narrows them on the server.
 */
export function useSessionList(client: DurableChatClient): SessionList {
  const [sessions, setSessions] = useState<SessionSummary[]>([]);
  const [total, setTotal] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [authRequired, setAuthRequired] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const loadedCount = useRef(sessionPageSize);
  const refreshing = useRef<Promise<void> | null>(null);
  // Polling a server that refuses us only repeats the 401; a new token triggers a refresh.
  const refused = useRef(false);
  const refreshesStarted = useRef(0);
  const titleEdits = useRef(new Map<string, TitleEdit>());
  const [search, setSearchState] = useState('');
  // Bumped by every new search: pages asked for under an older search are dropped, and the
  // first page of a new search replaces the list instead of merging into it.
  const searchGeneration = useRef({ number: 0, text: '' });
  const listedGeneration = useRef(0);

  const fail = useCallback((reason: unknown) => {
    if (isApiError(reason, 'IDENTITY_REQUIRED')) {
      // Anonymous mode knows this browser by the cookie its page set; without it there is no
      // list to show, and no token would help. Chats still open by their links.
      refused.current = true;
      setError(noVisitorCookie);
      return;
    }
    if (isAuthError(reason)) {
      refused.current = true;
      setAuthRequired(true);
      setSessions([]);
      setTotal(0);
    } else {
      setError(`Could not load your chats: ${describeError(reason)}`);
    }
  }, []);

  const refresh = useCallback((): Promise<void> => {
    // Overlapping refreshes would race each other's results; share the one in flight.
    refreshing.current ??= (async () => {
      try {
        for (;;) {
          const generation = searchGeneration.current;
          const limit = Math.min(Math.max(loadedCount.current, sessionPageSize), largestPage);
          refreshesStarted.current += 1;
          const refreshNumber = refreshesStarted.current;
          const page = await client.listSessions({ limit, offset: 0, search: generation.text });
          // The search changed while this page was on its way: ask again for the new one.
          if (generation !== searchGeneration.current) continue;
          const fresh = withTitleEdits(page.sessions, titleEdits.current, refreshNumber);
          const sameSearch = listedGeneration.current === generation.number;
          listedGeneration.current = generation.number;
          setSessions((current) => (sameSearch ? mergeFirstPage(current, fresh, limit) : fresh));
          setTotal(page.total);
          setSearchState(generation.text);
          refused.current = false;
          setAuthRequired(false);
          setError(null);
          return;
        }
      } catch (reason) {
        fail(reason);
      } finally {
        setLoaded(true);
        refreshing.current = null;
      }
    })();
    return refreshing.current;
  }, [client, fail]);

  const loadMore = useCallback(async () => {
    const generation = searchGeneration.current;
    setLoadingMore(true);
    try {
      const page = await client.listSessions({
        limit: sessionPageSize,
        offset: loadedCount.current,
        search: generation.text,
      });
      if (generation !== searchGeneration.current) return;
      setSessions((current) => appendPage(current, page.sessions));
      setTotal(page.total);
    } catch (reason) {
      fail(reason);
    } finally {
      setLoadingMore(false);
    }
  }, [client, fail]);

  const setSearch = useCallback(
    (text: string) => {
      const trimmed = text.trim();
      if (trimmed === searchGeneration.current.text) return;
      searchGeneration.current = { number: searchGeneration.current.number + 1, text: trimmed };
      loadedCount.current = sessionPageSize;
      void refresh();
    },
    [refresh],
  );

  useEffect(() => {
    loadedCount.current = Math.max(sessions.length, sessionPageSize);
  }, [sessions.length]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible' && !refused.current) void refresh();
    }, pollIntervalMs);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [refresh]);

  const rename = useCallback(
    async (sessionId: string, title: string) => {
      const previous = sessions.find((session) => session.id === sessionId)?.title ?? null;
      const setTitle = (value: string | null) =>
        setSessions((current) =>
          current.map((session) =>
            session.id === sessionId ? { ...session, title: value } : session,
          ),
        );
      const edit: TitleEdit = { title, confirmedFromRefresh: null };
      titleEdits.current.set(sessionId, edit);
      setTitle(title);
      try {
        await client.renameSession(sessionId, title);
        edit.confirmedFromRefresh = refreshesStarted.current + 1;
      } catch (reason) {
        if (titleEdits.current.get(sessionId) === edit) {
          titleEdits.current.delete(sessionId);
          setTitle(previous);
        }
        throw reason;
      }
    },
    [client, sessions],
  );

  const remove = useCallback(
    async (sessionId: string) => {
      await client.deleteSession(sessionId);
      setSessions((current) => current.filter((session) => session.id !== sessionId));
      setTotal((count) => Math.max(0, count - 1));
    },
    [client],
  );

  return {
    sessions,
    total,
    loaded,
    authRequired,
    error,
    loadingMore,
    search,
    setSearch,
    refresh,
    loadMore,
    rename,
    remove,
  };
}

/** A title renamed here, which lists fetched before the server stored it do not know yet. */
interface TitleEdit {
  title: string;
  /** The first refresh that started after the server stored the title; null while saving. */
  confirmedFromRefresh: number | null;
}

/**
 * Shows titles renamed here over a page fetched before they were saved, so a poll in flight
 * during a rename does not flash the old title back. A page fetched after the save is the
 * server's word (it may hold a rename made elsewhere since) and retires the edit.
 */
function withTitleEdits(
  page: SessionSummary[],
  edits: Map<string, TitleEdit>,
  refreshNumber: number,
): SessionSummary[] {
  for (const [sessionId, edit] of edits) {
    if (edit.confirmedFromRefresh !== null && refreshNumber >= edit.confirmedFromRefresh) {
      edits.delete(sessionId);
    }
  }
  if (edits.size === 0) return page;
  return page.map((session) => {
    const edit = edits.get(session.id);
    return edit === undefined ? session : { ...session, title: edit.title };
  });
}

/**
 * Replaces the first `limit` sessions with a fresh first page. Sessions loaded beyond it stay,
 * unless the fresh page now holds them (their activity moved them up).
 */
function mergeFirstPage(
  current: SessionSummary[],
  firstPage: SessionSummary[],
  limit: number,
): SessionSummary[] {
  const fresh = new Set(firstPage.map((session) => session.id));
  const rest = current.slice(limit).filter((session) => !fresh.has(session.id));
  return [...firstPage, ...rest];
}

/** Appends a page; sessions that moved between pages since are not listed twice. */
function appendPage(current: SessionSummary[], page: SessionSummary[]): SessionSummary[] {
  const known = new Set(current.map((session) => session.id));
  return [...current, ...page.filter((session) => !known.has(session.id))];
}
