const storageKey = 'durable-chat.token';
let memoryToken: string | null = null;

/**
 * Takes a token handed over in the URL (`/?token=…`, e.g. from a sign-in page), stores it and
 * removes it from the address bar so it does not end up in bookmarks, history or screenshots.
 * Runs once, before the app renders.
 */
export function consumeTokenHandOff(): void {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return;
  storeToken(token.trim() === '' ? null : token.trim());
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', url);
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
