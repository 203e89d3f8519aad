const storageKey = 'durable-chat.token';
let memoryToken: string | null = null;

/**
 * Takes a token handed over in the URL fragment (`/#token=…`, e.g. from a sign-in page) and
 * removes it from the address bar at once, so it does not end up in bookmarks, history or
 * screenshots. A fragment never reaches a server: not in the request line, not in `Referer`.
 * A `?token=` query is removed too but never used: it has already travelled to the server and
 * into any logs on the way. Returns the handed-over token, or null when there is none.
 */
export function takeTokenHandOff(): string | null {
  const url = new URL(window.location.href);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, ''));
  const handedOver = fragment.get('token')?.trim() ?? '';
  if (!fragment.has('token') && !url.searchParams.has('token')) return null;
  fragment.delete('token');
  url.searchParams.delete('token');
  url.hash = fragment.toString();
  window.history.replaceState(window.history.state, '', url);
  return handedOver === '' ? null : handedOver;
}

/**
 * Takes a hand-off (see takeTokenHandOff) before the app starts. It is stored at once when this
 * browser has no token yet (or the same one). A different stored token is never replaced
 * silently — a link could sign the user into someone else's account — so the handed-over token
 * is returned for the app to ask about; null when there is nothing to ask.
 */
export function acceptTokenHandOff(): string | null {
  const handedOver = takeTokenHandOff();
  if (handedOver === null) return null;
  const stored = readStoredToken();
  if (stored === null || stored === handedOver) {
    storeToken(handedOver);
    return null;
  }
  return handedOver;
}

export function readStoredToken(): string | null {
  try {
    return window.localStorage.getItem(storageKey) ?? memoryToken;
  } catch {
    return memoryToken;
  }
}

/** Keeps the token for later visits; where storage is blocked, for this page's lifetime only. */
export function storeToken(token: string | null): void {
  memoryToken = token;
  try {
    if (token === null) window.localStorage.removeItem(storageKey);
    else window.localStorage.setItem(storageKey, token);
  } catch {
    // Private windows may refuse storage; the in-memory copy still works until reload.
  }
}
