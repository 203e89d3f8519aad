import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type {
  DurableChatClient,
  ListSessionsResponse,
  SessionSummary,
} from '../../../src/client/index.ts';
import { useSessionList } from './use-session-list.ts';

const summary = (title: string): SessionSummary => ({
  id: 'session-1',
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
  return { client, listSessions, renameSession, answerList };
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
});
