import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionSummary } from '../../../src/client/index.ts';
import { searchDelayMs } from './session-search.tsx';
import { Sidebar, type SidebarProps } from './sidebar.tsx';
import type { SessionList } from './use-session-list.ts';

const now = new Date(2026, 4, 20, 9, 30);
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000).toISOString();

const chat = (id: string, title: string, updatedHoursAgo = 1, active = false): SessionSummary => ({
  id,
  created_at: hoursAgo(updatedHoursAgo),
  updated_at: hoursAgo(updatedHoursAgo),
  title,
  active,
});

const threeChats = [chat('a', 'Alpha'), chat('b', 'Bravo', 2), chat('c', 'Charlie', 3)];

/** The sidebar over a list held in state, as useSessionList would hold it. */
function Harness({
  initial = threeChats,
  listOverrides = {},
  ...props
}: Partial<SidebarProps> & { initial?: SessionSummary[]; listOverrides?: Partial<SessionList> }) {
  const [sessions, setSessions] = useState(initial);
  const list: SessionList = {
    sessions,
    total: sessions.length,
    loaded: true,
    authRequired: false,
    error: null,
    loadingMore: false,
    search: '',
    setSearch: () => {},
    refresh: async () => {},
    loadMore: async () => {},
    rename: async (id, title) =>
      setSessions((current) =>
        current.map((session) => (session.id === id ? { ...session, title } : session)),
      ),
    remove: async (id) => setSessions((current) => current.filter((session) => session.id !== id)),
    ...listOverrides,
  };
  return (
    <Sidebar
      list={list}
      openSessionId={null}
      openSessionRunning={false}
      token={null}
      authRequired={false}
      showTokenForm={false}
      onOpen={() => {}}
      onNewChat={() => {}}
      onDeleted={() => {}}
      onSaveToken={() => {}}
      onClose={() => {}}
      {...props}
    />
  );
}

const link = (title: string) => screen.getByRole('link', { name: new RegExp(`^${title}`) });
const focused = () => document.activeElement;

describe('Sidebar', () => {
  afterEach(() => vi.useRealTimers());

  it('has one Tab stop for all chats: the open chat, else the first', () => {
    const { unmount } = render(<Harness />);
    expect(link('Alpha').tabIndex).toBe(0);
    expect(link('Bravo').tabIndex).toBe(-1);
    unmount();
    render(<Harness openSessionId="b" />);
    const tabStops = screen
      .getAllByRole('listitem')
      .flatMap((item) => [...item.querySelectorAll<HTMLElement>('a, button')])
      .filter((element) => element.tabIndex >= 0);
    expect(tabStops).toEqual([link('Bravo')]);
  });

  it('moves between chats with the arrow keys, Home and End, and the Tab stop follows', () => {
    render(<Harness />);
    link('Alpha').focus();
    fireEvent.keyDown(focused()!, { key: 'ArrowDown' });
    expect(focused()).toBe(link('Bravo'));
    expect(link('Bravo').tabIndex).toBe(0);
    expect(link('Alpha').tabIndex).toBe(-1);
    fireEvent.keyDown(focused()!, { key: 'End' });
    expect(focused()).toBe(link('Charlie'));
    fireEvent.keyDown(focused()!, { key: 'ArrowDown' });
    expect(focused()).toBe(link('Charlie'));
    fireEvent.keyDown(focused()!, { key: 'Home' });
    expect(focused()).toBe(link('Alpha'));
    fireEvent.keyDown(focused()!, { key: 'ArrowUp' });
    expect(focused()).toBe(link('Alpha'));
  });

  it('reaches Rename and Delete with the right arrow, and comes back with the left', () => {
    render(<Harness />);
    link('Bravo').focus();
    fireEvent.keyDown(focused()!, { key: 'ArrowRight' });
    expect(focused()).toBe(screen.getByRole('button', { name: 'Rename Bravo' }));
    fireEvent.keyDown(focused()!, { key: 'ArrowRight' });
    expect(focused()).toBe(screen.getByRole('button', { name: 'Delete Bravo' }));
    fireEvent.keyDown(focused()!, { key: 'ArrowLeft' });
    fireEvent.keyDown(focused()!, { key: 'ArrowLeft' });
    expect(focused()).toBe(link('Bravo'));
    // From an action, up and down still move between chats.
    fireEvent.keyDown(focused()!, { key: 'ArrowRight' });
    fireEvent.keyDown(focused()!, { key: 'ArrowDown' });
    expect(focused()).toBe(link('Charlie'));
  });

  it('tells keyboard users how to reach the actions', () => {
    render(<Harness />);
    const hint = document.getElementById(link('Alpha').getAttribute('aria-describedby') ?? '');
    expect(hint?.textContent).toMatch(/Arrow keys move between chats.*F2 renames, Delete deletes/);
    expect(link('Alpha').getAttribute('aria-keyshortcuts')).toBe('F2 Delete');
  });

  it('renames with F2; Enter saves and puts focus back on the chat', async () => {
    render(<Harness />);
    link('Bravo').focus();
    fireEvent.keyDown(focused()!, { key: 'F2' });
    const input = screen.getByRole('textbox', { name: 'Chat title' });
    expect(focused()).toBe(input);
    fireEvent.keyDown(input, { key: 'ArrowLeft' });
    expect(focused()).toBe(input);
    fireEvent.change(input, { target: { value: 'Bravo renamed' } });
    await act(async () => fireEvent.keyDown(input, { key: 'Enter' }));
    expect(focused()).toBe(link('Bravo renamed'));
  });

  it('asks before deleting with the Delete key, then focuses the next chat', async () => {
    render(<Harness />);
    link('Bravo').focus();
    fireEvent.keyDown(focused()!, { key: 'Delete' });
    const dialog = screen.getByRole('alertdialog', { name: 'Delete this chat?' });
    expect(dialog.textContent).toContain('“Bravo”');
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' })));
    expect(screen.queryByRole('link', { name: /^Bravo/ })).toBeNull();
    expect(focused()).toBe(link('Charlie'));
  });

  it('returns focus to the chat when the deletion is cancelled', () => {
    render(<Harness />);
    link('Charlie').focus();
    fireEvent.keyDown(focused()!, { key: 'Delete' });
    fireEvent.keyDown(focused()!, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(focused()).toBe(link('Charlie'));
  });

  it('names the answering dot inside the chat link', () => {
    render(<Harness initial={[chat('a', 'Alpha', 1, true), chat('b', 'Bravo')]} />);
    expect(screen.getByRole('img', { name: 'answering now' })).toBeTruthy();
    expect(within(link('Alpha')).getByRole('img', { name: 'answering now' })).toBeTruthy();
    expect(within(link('Bravo')).queryByRole('img')).toBeNull();
  });

  it('groups chats under date headings by their last update, in local time', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now);
    render(
      <Harness
        initial={[
          chat('a', 'This morning', 1),
          chat('b', 'Last night', 12),
          chat('c', 'Monday', 48),
          chat('d', 'Three weeks ago', 21 * 24),
          chat('e', 'In February', 100 * 24),
        ]}
      />,
    );
    const groups = screen.getAllByTestId('session-group').map((group) => [
      within(group).getByRole('heading').textContent,
      within(group)
        .getAllByTestId('session-title')
        .map((title) => title.textContent),
    ]);
    expect(groups).toEqual([
      ['Today', ['This morning']],
      ['Yesterday', ['Last night']],
      ['Previous 7 days', ['Monday']],
      ['Previous 30 days', ['Three weeks ago']],
      ['February', ['In February']],
    ]);
    expect(screen.getByRole('list', { name: 'Today' })).toBeTruthy();
  });

  it('searches once typing pauses, at once on Enter, and Escape empties the field', () => {
    vi.useFakeTimers();
    const setSearch = vi.fn();
    render(<Harness listOverrides={{ setSearch }} />);
    const field = screen.getByRole('searchbox', { name: 'Search chats' });
    fireEvent.change(field, { target: { value: 'lis' } });
    fireEvent.change(field, { target: { value: 'lisbon' } });
    act(() => vi.advanceTimersByTime(searchDelayMs - 1));
    expect(setSearch).not.toHaveBeenCalledWith('lis');
    expect(setSearch).not.toHaveBeenCalledWith('lisbon');
    act(() => vi.advanceTimersByTime(1));
    expect(setSearch).toHaveBeenLastCalledWith('lisbon');

    fireEvent.change(field, { target: { value: 'porto' } });
    fireEvent.keyDown(field, { key: 'Enter' });
    expect(setSearch).toHaveBeenLastCalledWith('porto');

    const escape = new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true });
    act(() => {
      field.dispatchEvent(escape);
    });
    expect(escape.defaultPrevented).toBe(true);
    expect((field as HTMLInputElement).value).toBe('');
    expect(setSearch).toHaveBeenLastCalledWith('');
  });

  it('says when nothing matches a search, and how many chats do', () => {
    const { rerender } = render(
      <Harness initial={[]} listOverrides={{ search: 'madrid', total: 0 }} />,
    );
    expect(screen.getByTestId('no-chats').textContent).toBe('No chats match “madrid”.');
    rerender(<Harness initial={threeChats} listOverrides={{ search: 'a', total: 3 }} />);
    expect(screen.getByRole('status').textContent).toBe('3 chats match “a”');
  });

  it('shows the token field only when the server wants a token', () => {
    const { rerender } = render(<Harness />);
    expect(screen.queryByLabelText(/access token/i)).toBeNull();
    rerender(<Harness showTokenForm />);
    expect(screen.getByLabelText('Access token')).toBeTruthy();
  });
});
