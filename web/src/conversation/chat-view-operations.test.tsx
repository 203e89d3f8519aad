import { act, render, screen, waitFor } from '@testing-library/react';
import type { UIMessage } from 'ai';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Operation } from '../../../src/client/index.ts';
import { createChatServices } from '../chat-services.ts';
import { FakeChatServer } from '../testing/fake-chat-server.ts';
import { SessionPage } from './session-page.tsx';
import { operationPollIntervalMs } from './use-session-operations.ts';

const question: UIMessage = {
  id: 'q1',
  role: 'user',
  parts: [{ type: 'text', text: '[demo:operation] build the site' }],
};

const operationPart = (output: object) =>
  ({
    type: 'tool-demo_operation',
    toolCallId: 'call-1',
    state: 'output-available',
    input: { task: 'build the site' },
    output,
  }) as UIMessage['parts'][number];

const startedAnswer: UIMessage = {
  id: 'a1',
  role: 'assistant',
  parts: [
    operationPart({
      type: 'operation_started',
      operation_id: 'op-1',
      tool_name: 'demo_operation',
      status: 'running',
      message: 'Started demo_operation.',
    }),
    { type: 'text', text: 'I started demo_operation.' },
  ],
};

const completedAnswer: UIMessage = {
  ...startedAnswer,
  parts: [
    operationPart({
      type: 'operation_completed',
      operation_id: 'op-1',
      tool_name: 'demo_operation',
      result: { report: 'Finished: build the site' },
    }),
    { type: 'text', text: 'I started demo_operation.' },
  ],
};

const notice: UIMessage = {
  id: 'operation-op-1',
  role: 'system',
  parts: [{ type: 'text', text: 'Operation op-1 (demo_operation) completed.' }],
  metadata: {
    operation: {
      id: 'op-1',
      tool_name: 'demo_operation',
      tool_call_id: 'call-1',
      status: 'completed',
    },
  },
};

function operation(fields: Partial<Operation> = {}): Operation {
  return {
    id: 'op-1',
    session_id: 'session-1',
    tool_name: 'demo_operation',
    tool_call_id: 'call-1',
    assistant_message_id: 'a1',
    input: { task: 'build the site' },
    status: 'running',
    result: null,
    error: null,
    deadline: '2026-06-01T11:00:00.000Z',
    created_at: '2026-06-01T10:00:00.000Z',
    updated_at: '2026-06-01T10:00:00.000Z',
    finished_at: null,
    continuation_turn_id: null,
    ...fields,
  };
}

let server: FakeChatServer;

beforeEach(() => {
  vi.useFakeTimers({ shouldAdvanceTime: true });
  server = new FakeChatServer('session-1');
  vi.stubGlobal('fetch', server.fetch);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function openSession() {
  return render(
    <SessionPage
      sessionId="session-1"
      services={createChatServices(() => null)}
      summary={undefined}
      firstMessage={undefined}
      onFirstMessageSent={() => {}}
      onTitleLoaded={() => {}}
      onActivity={() => {}}
      onRunningChange={() => {}}
      onAuthRequired={() => {}}
      onNewChat={() => {}}
    />,
  );
}

const status = () => screen.getByTestId('operation-status').textContent;
const nextLook = () => act(() => vi.advanceTimersByTimeAsync(operationPollIntervalMs));

describe('ChatView: operations update in place', () => {
  it('polls while the operation runs, then shows it done and streams its continuation without a reload', async () => {
    server.messages = [question, startedAnswer];
    server.operations = [operation()];
    openSession();
    await waitFor(() => expect(status()).toBe('running'));
    await waitFor(() => expect(screen.getByTestId('operation').querySelector('time')).toBeTruthy());
    const looksWhileRunning = server.operationLooks;
    await nextLook();
    await waitFor(() => expect(server.operationLooks).toBeGreaterThan(looksWhileRunning));
    expect(status()).toBe('running');

    // The operation completes; its continuation turn starts and streams.
    server.operations = [
      operation({
        status: 'completed',
        result: { report: 'Finished: build the site' },
        continuation_turn_id: 'turn-2',
      }),
    ];
    server.messages = [question, completedAnswer, notice];
    const turn = server.startTurn('turn-2');
    turn.push(
      { type: 'start', messageId: 'a2' },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: 'The demo_operation operation has completed.' },
    );
    await nextLook();

    await screen.findByText('The demo_operation operation has completed.');
    expect(status()).toBe('done');
    expect(screen.getByTestId('operation-result').textContent).toContain('Finished: build');
    expect(screen.getByTestId('operation-notice').textContent).toBe('demo_operation finished');
    expect(screen.getByTestId('operation-go-to-result')).toBeTruthy();
    turn.push({ type: 'text-end', id: 't' }, { type: 'finish' });
    turn.end();
    await waitFor(() => expect(screen.getByTestId('chat-status').dataset.status).toBe('ready'));

    // Nothing is in progress any more: no more looks.
    const looksAfter = server.operationLooks;
    await nextLook();
    await nextLook();
    expect(server.operationLooks).toBe(looksAfter);
  });

  it('looks up an ended operation of the history once, and not again', async () => {
    server.messages = [
      question,
      completedAnswer,
      notice,
      { id: 'a2', role: 'assistant', parts: [{ type: 'text', text: 'It has completed.' }] },
    ];
    server.operations = [operation({ status: 'completed', continuation_turn_id: 'turn-2' })];
    openSession();
    await waitFor(() => expect(status()).toBe('done'));
    await waitFor(() => expect(server.operationLooks).toBe(1));
    await nextLook();
    await nextLook();
    expect(server.operationLooks).toBe(1);
  });

  it('polls no session without operations', async () => {
    server.messages = [
      question,
      { id: 'a1', role: 'assistant', parts: [{ type: 'text', text: 'Hi' }] },
    ];
    openSession();
    await screen.findByText('Hi');
    await nextLook();
    expect(server.operationLooks).toBe(0);
  });
});
