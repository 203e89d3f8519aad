import { act, render, screen, waitFor } from '@testing-library/react';
import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai';
import { describe, expect, it, vi } from 'vitest';
import type { SessionDetail, SessionSummary } from '../../../src/client/index.ts';
import type { ChatServices } from '../chat-services.ts';
import { ChatView } from './chat-view.tsx';

const sessionId = 'session-1';
const updatedAt = '2026-12-05T12:00:00.000Z';

function failingTurnStream(): ReadableStream<UIMessageChunk> {
  return new ReadableStream<UIMessageChunk>({
    start(controller) {
      controller.enqueue({ type: 'start', messageId: 'answer-1' });
      controller.enqueue({ type: 'error', errorText: 'The model refused this request.' });
      controller.close();
    },
  });
}

/** A session page whose first getSession answers only when the test says so. */
function servicesWithSlowSnapshot() {
  let answerSnapshot: (detail: SessionDetail) => void = () => {};
  const snapshot = new Promise<SessionDetail>((resolve) => {
    answerSnapshot = resolve;
  });
  const reconnectToStream = vi.fn<ChatTransport<UIMessage>['reconnectToStream']>(async () => null);
  const sendMessages = vi.fn<ChatTransport<UIMessage>['sendMessages']>(async () =>
    failingTurnStream(),
  );
  const getSession = vi.fn(() => snapshot);
  const services = {
    client: { getSession, cancelTurn: vi.fn() },
    transport: { sendMessages, reconnectToStream },
    onJoinedRunningTurn: () => () => {},
  } as unknown as ChatServices;
  return { services, answerSnapshot, getSession, sendMessages, reconnectToStream };
}

describe('ChatView', () => {
  it('keeps the outcome of a turn sent while an older snapshot of the session was loading', async () => {
    const fake = servicesWithSlowSnapshot();
    // The session list says a turn runs here (the one about to be sent): the chat syncs at once.
    const summary: SessionSummary = {
      id: sessionId,
      created_at: updatedAt,
      updated_at: updatedAt,
      title: null,
      active: true,
    };
    render(
      <ChatView
        sessionId={sessionId}
        initialMessages={[]}
        initialUpdatedAt={null}
        services={fake.services}
        summary={summary}
        firstMessage={{ text: 'Hello', files: [] }}
        onActivity={() => {}}
        onRunningChange={() => {}}
        onAuthRequired={() => {}}
      />,
    );
    expect(fake.getSession).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByTestId('chat-status').dataset.status).toBe('error'));
    expect(fake.sendMessages).toHaveBeenCalledTimes(1);

    // The snapshot was taken while the turn ran: it lists the turn as active, without its answer.
    await act(async () => {
      fake.answerSnapshot({
        id: sessionId,
        created_at: updatedAt,
        updated_at: updatedAt,
        user_id: null,
        title: null,
        messages: [{ id: 'user-1', role: 'user', parts: [{ type: 'text', text: 'Hello' }] }],
        has_more_messages: false,
        oldest_sequence: 1,
        total_prompt_tokens: 0,
        total_completion_tokens: 0,
        active_stream: { turn_id: 'turn-1', last_message_id: 'user-1', assistant_message_id: 'a' },
        pending_messages: [],
        operations: [],
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
    });

    expect(fake.reconnectToStream).not.toHaveBeenCalled();
    expect(screen.getByTestId('chat-status').dataset.status).toBe('error');
    expect(screen.getByTestId('error-notice').textContent).toMatch(
      /^The model refused this request\.(Retry)?$/,
    );
  });
});
