import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type {
  DurableChatClient,
  ListSessionsResponse,
  SessionSummary,
} from '../../../src/client/index.ts';
import { DurableChatApiError } from '../../../src/client/index.ts';
import { noVisitorCookie, useSessionList } from './use-session-list.ts';

const summary = (title: string, id = 'session-1'): SessionSummary => ({
  id,
  created_at: '2026-12-05T12:00:00.000Z',
  updated_at: '2026-12-05T12:00:00.000Z',
  title,
  active: false,
});

/** A client whose list requests each wait for the test to answer them, in order. */
function clientWithHeldLists() {
  const answers: Array<(page: ListSessionsResponse) => void> = [];
  const listSessions = vi.fn(
    () =>
      new Promise<ListSessionsResponse>((resolve) => {
        answers.push(resolve);
      }),
  );
  const renameSession = vi.fn(async () => {});
  const client = { listSessions, renameSession } as unknown as DurableChatClient;
  const answerList = async (index: number, title: string) => {
    await act(async () => answers[index]?.({ sessions: [summary(title)], total: 1 }));
  };
  const answerWith = async (index: number, sessions: SessionSummary[]) => {
    await act(async () => answers[index]?.({ sessions, total: sessions.length }));
  };
  return { client, listSessions, renameSession, answerList, answerWith };
}

describe('useSessionList', () => {
  it('keeps a rename over a list fetched before it was saved, and follows the server after', async () => {
    const fake = clientWithHeldLists();
    const { result } = renderHook(() => useSessionList(fake.client));
    await fake.answerList(0, 'old title');
    await waitFor(() => expect(result.current.sessions[0]?.title).toBe('old title'));

    let inFlight: Promise<void> = Promise.resolve();
    act(() => {
      inFlight = result.current.refresh();
    });
    await act(async () => result.current.rename('session-1', 'new title'));
    expect(fake.renameSession).toHaveBeenCalledWith('session-1', 'new title');
    // This list was read before the rename reached the server.
    await fake.answerList(1, 'old title');
    await act(async () => inFlight);
    expect(result.current.sessions[0]?.title).toBe('new title');

    // Fetched after the save, the list is the server's word, also about a rename made elsewhere.
    act(() => {
      inFlight = result.current.refresh();
    });
    await fake.answerList(2, 'renamed on another device');
    await act(async () => inFlight);
    expect(result.current.sessions[0]?.title).toBe('renamed on another device');
  });

  it('puts the old title back when the server refuses a rename', async () => {
    const fake = clientWithHeldLists();
    fake.renameSession.mockRejectedValueOnce(new Error('refused'));
    const { result } = renderHook(() => useSessionList(fake.client));
    await fake.answerList(0, 'old title');
    await waitFor(() => expect(result.current.sessions[0]?.title).toBe('old title'));

    await act(async () => {
      await expect(result.current.rename('session-1', 'new title')).rejects.toThrow('refused');
    });
    expect(result.current.sessions[0]?.title).toBe('old title');
  });

  it('lists what the server finds for a search, and every chat again once it is cleared', async () => {
    const fake = clientWithHeldLists();
    const { result } = renderHook(() => useSessionList(fake.client));
    await fake.answerWith(0, [summary('a', 'a'), summary('b', 'b'), summary('c', 'c')]);
    await waitFor(() => expect(result.current.sessions).toHaveLength(3));

    act(() => result.current.setSearch('  lisbon '));
    expect(fake.listSessions).toHaveBeenLastCalledWith({ limit: 30, offset: 0, search: 'lisbon' });
    // A chat from far down the list: it replaces the list rather than joining it.
    await fake.answerWith(1, [summary('Lisbon trip', 'far')]);
    await waitFor(() => expect(result.current.sessions.map((item) => item.id)).toEqual(['far']));
    expect(result.current.total).toBe(1);
    expect(result.current.search).toBe('lisbon');

    act(() => result.current.setSearch(''));
    expect(fake.listSessions).toHaveBeenLastCalledWith({ limit: 30, offset: 0, search: '' });
    await fake.answerWith(2, [summary('a', 'a'), summary('b', 'b')]);
    await waitFor(() => expect(result.current.sessions.map((item) => item.id)).toEqual(['a', 'b']));
  });

  it('never shows the answer to a search the user has typed past', async () => {
    const fake = clientWithHeldLists();
    const { result } = renderHook(() => useSessionList(fake.client));
    await fake.answerWith(0, [summary('a', 'a')]);
    await waitFor(() => expect(result.current.sessions).toHaveLength(1));

    act(() => result.current.setSearch('lis'));
    act(() => result.current.setSearch('lisbon'));
    // The page for "lis" arrives after the user typed on: it is dropped and "lisbon" asked for.
    await fake.answerWith(1, [summary('list of things', 'lis')]);
    await waitFor(() =>
      expect(fake.listSessions).toHaveBeenLastCalledWith({
        limit: 30,
        offset: 0,
        search: 'lisbon',
      }),
    );
    expect(result.current.sessions.map((item) => item.id)).toEqual(['a']);
    expect(result.current.search).toBe('');
    await fake.answerWith(2, [summary('Lisbon trip', 'lisbon')]);
    await waitFor(() => expect(result.current.sessions.map((item) => item.id)).toEqual(['lisbon']));
  });

  it('explains a missing visitor cookie instead of asking for a token, and stops polling', async () => {
    const listSessions = vi.fn(async () => {
      throw new DurableChatApiError(401, 'IDENTITY_REQUIRED', 'Listing sessions needs an identity');
    });
    const client = { listSessions } as unknown as DurableChatClient;
    const { result } = renderHook(() => useSessionList(client));
    await waitFor(() => expect(result.current.error).toBe(noVisitorCookie));
    expect(result.current.authRequired).toBe(false);
  });
});
