import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ChatTransport, UIMessage } from 'ai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionDetail, SessionSummary } from '../../../src/client/index.ts';
import type { ChatServices } from '../chat-services.ts';
import { ChatView } from './chat-view.tsx';

const sessionId = 'session-1';
const updatedAt = '2026-12-05T12:00:00.000Z';

/** Messages `first`..`last` of a seeded chat, alternating question and answer. */
function messages(first: number, last: number): UIMessage[] {
  return Array.from({ length: last - first + 1 }, (_, index) => {
    const number = first + index;
    return {
      id: `m${number}`,
      role: number % 2 === 1 ? 'user' : 'assistant',
      parts: [{ type: 'text', text: `message ${number}` }],
    };
  });
}

function detail(page: UIMessage[], hasMore: boolean, oldestSequence: number): SessionDetail {
  return {
    id: sessionId,
    created_at: updatedAt,
    updated_at: updatedAt,
    user_id: null,
    title: null,
    messages: page,
    has_more_messages: hasMore,
    oldest_sequence: oldestSequence,
    total_prompt_tokens: 0,
    total_completion_tokens: 0,
    active_stream: null,
    pending_messages: [],
    operations: [],
  };
}

function servicesAnswering(getSession: (id: string, query: object) => Promise<SessionDetail>) {
  const spy = vi.fn(getSession);
  const transport: ChatTransport<UIMessage> = {
    sendMessages: vi.fn(),
    reconnectToStream: vi.fn(async () => null),
  };
  const services = {
    client: { getSession: spy, cancelTurn: vi.fn() },
    transport,
    onJoinedRunningTurn: () => () => {},
  };
  return { services: services as unknown as ChatServices, getSession: spy };
}

const shownIds = () =>
  screen.getAllByTestId('message').map((element) => element.getAttribute('data-message-id'));

function renderChat(services: ChatServices, summary?: SessionSummary) {
  return render(
    <ChatView
      sessionId={sessionId}
      initialMessages={messages(31, 60)}
      initialHistory={{ hasMore: true, oldestSequence: 31 }}
      initialUpdatedAt={updatedAt}
      services={services}
      summary={summary}
      onActivity={() => {}}
      onRunningChange={() => {}}
      onAuthRequired={() => {}}
    />,
  );
}

describe('a chat opened on its newest page', () => {
  it('loads the page before the loaded messages and puts it in front, until none is left', async () => {
    const fake = servicesAnswering(async (_id, query) =>
      'beforeSequence' in query && query.beforeSequence === 31
        ? detail(messages(1, 30), false, 1)
        : Promise.reject(new Error(`unexpected ${JSON.stringify(query)}`)),
    );
    renderChat(fake.services);
    expect(shownIds()).toEqual(messages(31, 60).map(({ id }) => id));
    expect(fake.getSession).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole('button', { name: 'Load earlier messages' }));
    await waitFor(() => expect(shownIds()).toHaveLength(60));
    expect(fake.getSession).toHaveBeenCalledTimes(1);
    expect(fake.getSession).toHaveBeenCalledWith(sessionId, { limit: 30, beforeSequence: 31 });
    expect(shownIds()).toEqual(messages(1, 60).map(({ id }) => id));
    expect(screen.queryByTestId('older-messages')).toBeNull();
  });

  it('offers to try again when the older page could not be loaded', async () => {
    let fail = true;
    const fake = servicesAnswering(async () => {
      if (fail) throw new TypeError('Failed to fetch');
      return detail(messages(1, 30), false, 1);
    });
    renderChat(fake.services);
    fireEvent.click(screen.getByRole('button', { name: 'Load earlier messages' }));
    await screen.findByText('Earlier messages could not be loaded.');
    expect(shownIds()).toHaveLength(30);
    fail = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(shownIds()).toHaveLength(60));
    expect(fake.getSession).toHaveBeenCalledTimes(2);
  });

  it('keeps the older pages when a newer snapshot of the session arrives', async () => {
    const fake = servicesAnswering(async (_id, query) => {
      if ('beforeSequence' in query) return detail(messages(1, 30), false, 1);
      return detail(messages(33, 62), true, 33);
    });
    const view = renderChat(fake.services);
    fireEvent.click(screen.getByRole('button', { name: 'Load earlier messages' }));
    await waitFor(() => expect(shownIds()).toHaveLength(60));

    // The session list reports activity elsewhere: the chat re-reads its newest page only.
    const newer = { id: sessionId, created_at: updatedAt, title: null, active: false };
    await act(async () => {
      view.rerender(
        <ChatView
          sessionId={sessionId}
          initialMessages={messages(31, 60)}
          initialHistory={{ hasMore: true, oldestSequence: 31 }}
          initialUpdatedAt={updatedAt}
          services={fake.services}
          summary={{ ...newer, updated_at: '2026-12-05T12:05:00.000Z' }}
          onActivity={() => {}}
          onRunningChange={() => {}}
          onAuthRequired={() => {}}
        />,
      );
    });
    await waitFor(() => expect(shownIds()).toHaveLength(62));
    expect(fake.getSession).toHaveBeenLastCalledWith(sessionId, { limit: 30 });
    expect(shownIds()).toEqual(messages(1, 62).map(({ id }) => id));
  });
});

describe('a chat whose loaded messages do not fill the screen', () => {
  // jsdom lays nothing out: a 500 px tall conversation with no content is one at its top.
  const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
  beforeEach(() => {
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true,
      get: () => 500,
    });
  });
  afterEach(() => {
    if (clientHeight) Object.defineProperty(HTMLElement.prototype, 'clientHeight', clientHeight);
  });

  it('loads older pages by itself, but after a failure only when asked to try again', async () => {
    let calls = 0;
    const fake = servicesAnswering(async () => {
      calls += 1;
      if (calls === 2) throw new TypeError('Failed to fetch');
      return calls === 1 ? detail(messages(11, 30), true, 11) : detail(messages(1, 10), false, 1);
    });
    renderChat(fake.services);
    await screen.findByText('Earlier messages could not be loaded.');
    expect(shownIds()).toEqual(messages(11, 60).map(({ id }) => id));
    // Renders go on (a streaming answer renders every few milliseconds): no retry comes of them.
    await act(async () => {
      fireEvent.scroll(screen.getAllByTestId('message')[0]!.closest('.message-scroller')!);
      await new Promise((resolve) => setTimeout(resolve, 50));
    });
    expect(fake.getSession).toHaveBeenCalledTimes(2);
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(shownIds()).toHaveLength(60));
    expect(fake.getSession).toHaveBeenCalledTimes(3);
    expect(screen.queryByTestId('older-messages')).toBeNull();
  });
});
