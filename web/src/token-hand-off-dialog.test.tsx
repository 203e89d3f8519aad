import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readStoredToken, storeToken } from './access-token.ts';
import { App } from './app.tsx';

/** A server that wants a token and lists nothing; records the token of every request. */
function serveApi() {
  const tokens: (string | null)[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost');
    tokens.push(new Headers(init?.headers).get('authorization'));
    const body =
      url.pathname === '/api/chat/config/auth'
        ? { auth_required: true, anonymous_allowed: false }
        : { sessions: [], total: 0 };
    return new Response(JSON.stringify(body), {
      headers: { 'content-type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fetch);
  return { tokens };
}

const dialog = () =>
  screen.queryByRole('alertdialog', { name: "Switch to the link's access token?" });

describe('a #token= link when another token is saved', () => {
  beforeEach(() => {
    window.history.replaceState(null, '', '/');
    storeToken('old-token');
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    storeToken(null);
  });

  it('asks first, with keeping the current token as the focused default', async () => {
    serveApi();
    render(<App offeredToken="new-token" />);
    const question = await screen.findByRole('alertdialog', {
      name: "Switch to the link's access token?",
    });
    expect(question.getAttribute('aria-modal')).toBe('true');
    expect(question.textContent).toMatch(/differs from the one this browser uses/);
    expect(document.activeElement).toBe(
      screen.getByRole('button', { name: 'Keep my current token' }),
    );
    expect(question.textContent).not.toMatch(/new-token|old-token/);
  });

  it('keeps the saved token when the user declines', async () => {
    const { tokens } = serveApi();
    render(<App offeredToken="new-token" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Keep my current token' }));
    expect(dialog()).toBeNull();
    expect(readStoredToken()).toBe('old-token');
    await waitFor(() => expect(tokens.length).toBeGreaterThan(0));
    expect(new Set(tokens.filter(Boolean))).toEqual(new Set(['Bearer old-token']));
  });

  it('keeps the saved token on Escape too', async () => {
    serveApi();
    render(<App offeredToken="new-token" />);
    await screen.findByRole('alertdialog');
    fireEvent.keyDown(document.activeElement as Element, { key: 'Escape' });
    expect(dialog()).toBeNull();
    expect(readStoredToken()).toBe('old-token');
  });

  it('switches to the new token when the user accepts', async () => {
    const { tokens } = serveApi();
    render(<App offeredToken="new-token" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Use the new token' }));
    expect(dialog()).toBeNull();
    expect(readStoredToken()).toBe('new-token');
    await waitFor(() => expect(tokens.at(-1)).toBe('Bearer new-token'));
  });

  it('asks about a link opened in the running app, and strips it from the address bar', async () => {
    serveApi();
    render(<App />);
    expect(dialog()).toBeNull();
    act(() => {
      window.history.replaceState(null, '', '/?session=abc#token=link-token');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(await screen.findByRole('alertdialog')).toBeTruthy();
    expect(window.location.hash).toBe('');
    expect(window.location.search).toBe('?session=abc');
    expect(readStoredToken()).toBe('old-token');
  });

  it('uses a link token at once, without asking, when no token is saved', async () => {
    storeToken(null);
    const { tokens } = serveApi();
    render(<App />);
    await waitFor(() => expect(tokens.length).toBeGreaterThan(1));
    act(() => {
      window.history.replaceState(null, '', '/#token=first-token');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(dialog()).toBeNull();
    expect(readStoredToken()).toBe('first-token');
    await waitFor(() => expect(tokens.at(-1)).toBe('Bearer first-token'));
  });
});
