import { useCallback, useEffect, useState } from 'react';

function sessionIdInUrl(): string | null {
  const id = new URL(window.location.href).searchParams.get('session');
  return id === null || id === '' ? null : id;
}

/**
 * The open chat lives in the URL (`/?session=<id>`): a reload keeps it, a link shares it, and
 * the browser's back and forward buttons move between chats.
 */
export function useOpenSessionId(): [string | null, (sessionId: string | null) => void] {
  const [sessionId, setSessionId] = useState(sessionIdInUrl);

  useEffect(() => {
    const onPopState = () => setSessionId(sessionIdInUrl());
    window.addEventListener('popstate', onPopState);
    return () => window.removeEventListener('popstate', onPopState);
  }, []);

  const open = useCallback((next: string | null) => {
    const url = new URL(window.location.href);
    if (next === null) url.searchParams.delete('session');
    else url.searchParams.set('session', next);
    if (url.href !== window.location.href) window.history.pushState(null, '', url);
    setSessionId(next);
  }, []);

  return [sessionId, open];
}
