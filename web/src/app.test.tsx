import { render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionSummary } from '../../src/client/index.ts';
import { App } from './app.tsx';

const updatedAt = '2026-05-20T08:00:00.000Z';
const summary = (id: string, title: string): SessionSummary => ({
  id,
  created_at: updatedAt,
  updated_at: updatedAt,
  title,
  active: false,
});

/**
 * The server as the app sees it through the client SDK: a first page of the session list, one
 * session further down, and whether it wants a token. Requests it does not know are a test error.
 */
function serveApi({ authRequired }: { authRequired: boolean }) {
  const requests: string[] = [];
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://localhost');
    requests.push(`${url.pathname}${url.search}`);
    if (url.pathname === '/api/chat/config/auth') return json({ auth_required: authRequired });
    if (url.pathname === '/api/chat/config/web') return json({ image_origins: [] });
    if (url.pathname === '/api/chat/sessions') {
      return json({ sessions: [summary('near', 'On the first page')], total: 31 });
    }
    if (url.pathname === '/api/chat/sessions/far') {
      return json({
        ...summary('far', 'Found on page two'),
        user_id: null,
        messages: [],
        active_stream: null,
      });
    }
    if (url.pathname === '/api/chat/sessions/far/stream')
      return new Response(null, { status: 204 });
    throw new Error(`unexpected request ${url.pathname}`);
  });
  vi.stubGlobal('fetch', fetch);
  return { requests };
}

describe('App', () => {
  beforeEach(() => window.history.replaceState(null, '', '/'));
  afterEach(() => vi.unstubAllGlobals());

  it("titles a chat from further down the list with the session's own title", async () => {
    serveApi({ authRequired: false });
    window.history.replaceState(null, '', '/?session=far');
    render(<App />);
    await waitFor(() =>
      expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Found on page two'),
    );
    expect(document.title).toBe('Found on page two · durable-chat');
    expect(screen.queryByRole('heading', { level: 1, name: 'New chat' })).toBeNull();
  });

  it('shows no token field when the server needs no token', async () => {
    const { requests } = serveApi({ authRequired: false });
    render(<App />);
    await screen.findByRole('link', { name: /On the first page/ });
    await waitFor(() => expect(requests).toContain('/api/chat/config/auth'));
    expect(screen.queryByLabelText(/access token/i)).toBeNull();
  });

  it('shows the token field when the server says it needs one', async () => {
    serveApi({ authRequired: true });
    render(<App />);
    expect(await screen.findByLabelText('Access token')).toBeTruthy();
  });

  it('puts a skip link to the message box first in the tab order', async () => {
    serveApi({ authRequired: false });
    render(<App />);
    const focusable = document.querySelectorAll<HTMLElement>('a[href], button, input, textarea');
    const skip = focusable[0];
    expect(skip?.textContent).toBe('Skip to message box');
    skip?.click();
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Message' }));
  });
});
