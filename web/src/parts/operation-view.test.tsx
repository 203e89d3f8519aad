import { render, screen } from '@testing-library/react';
import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import type { Operation } from '../../../src/client/index.ts';
import { MessageList } from '../conversation/message-list.tsx';

const question: UIMessage = { id: 'q1', role: 'user', parts: [{ type: 'text', text: 'Build' }] };

const startedPart = {
  type: 'tool-demo_operation',
  toolCallId: 'call-1',
  state: 'output-available',
  input: { task: 'build the site' },
  output: {
    type: 'operation_started',
    operation_id: 'op-1',
    tool_name: 'demo_operation',
    status: 'running',
    message: 'Started demo_operation. It runs in the background.',
  },
} as const;

const answer = (part: object): UIMessage => ({
  id: 'a1',
  role: 'assistant',
  parts: [part as UIMessage['parts'][number], { type: 'text', text: 'I started it.' }],
});

const notice = (status: string): UIMessage => ({
  id: 'operation-op-1',
  role: 'system',
  parts: [{ type: 'text', text: 'Operation op-1 (demo_operation) ended. Continue.' }],
  metadata: {
    operation: { id: 'op-1', tool_name: 'demo_operation', tool_call_id: 'call-1', status },
  },
});

const continuation: UIMessage = {
  id: 'a2',
  role: 'assistant',
  parts: [{ type: 'text', text: 'The build has completed.' }],
};

const polled = (fields: Partial<Operation>): ReadonlyMap<string, Operation> =>
  new Map([
    [
      'op-1',
      {
        id: 'op-1',
        session_id: 's',
        tool_name: 'demo_operation',
        tool_call_id: 'call-1',
        assistant_message_id: 'a1',
        input: {},
        status: 'running',
        result: null,
        error: null,
        deadline: '2026-06-01T11:00:00.000Z',
        created_at: '2026-06-01T10:00:00.000Z',
        updated_at: '2026-06-01T10:00:00.000Z',
        finished_at: null,
        continuation_turn_id: null,
        ...fields,
      },
    ],
  ]);

function show(messages: UIMessage[], polledOperations?: ReadonlyMap<string, Operation>) {
  render(
    <MessageList
      messages={messages}
      status="ready"
      {...(polledOperations ? { polledOperations } : {})}
    />,
  );
  return screen.getByTestId('operation');
}

describe('OperationView: a tool part that started a long-running operation', () => {
  it('shows a started operation as running, with what the tool said, and no way to a result yet', () => {
    const card = show([question, answer(startedPart)]);
    expect(card.dataset.state).toBe('running');
    expect(screen.getByTestId('operation-status').textContent).toBe('running');
    expect(card.textContent).toContain('demo_operation');
    expect(card.textContent).toContain('It runs in the background.');
    expect(screen.queryByTestId('operation-go-to-result')).toBeNull();
    expect(screen.queryByTestId('tool-call')).toBeNull();
  });

  it('takes the status, start time and result of the last look over what the part says', () => {
    const card = show(
      [question, answer(startedPart)],
      polled({ status: 'completed', result: { url: 'https://example.test/site' } }),
    );
    expect(card.dataset.state).toBe('completed');
    expect(screen.getByTestId('operation-status').textContent).toBe('done');
    expect(card.querySelector('time')?.getAttribute('dateTime')).toBe('2026-06-01T10:00:00.000Z');
    expect(screen.getByTestId('operation-result').textContent).toContain(
      'https://example.test/site',
    );
  });

  it('shows a completed operation from history with its result, its notice, and a way to the answer that continued', () => {
    const completedPart = {
      ...startedPart,
      output: {
        type: 'operation_completed',
        operation_id: 'op-1',
        tool_name: 'demo_operation',
        result: { report: 'Finished: build the site' },
      },
    };
    const card = show([question, answer(completedPart), notice('completed'), continuation]);
    expect(card.dataset.state).toBe('completed');
    expect(screen.getByTestId('operation-result').textContent).toContain('Finished: build');
    expect(screen.getByTestId('operation-notice').textContent).toBe('demo_operation finished');
    expect(screen.getByTestId('operation-go-to-result')).toBeTruthy();
    // The notice is nobody's message: it is not shown as one.
    expect(screen.getAllByTestId('message').map(({ dataset }) => dataset.role)).toEqual([
      'user',
      'assistant',
      'assistant',
    ]);
  });

  it('knows a failed part as an operation by its continuation, and shows the error', () => {
    const failedPart = {
      type: 'tool-demo_operation',
      toolCallId: 'call-1',
      state: 'output-error',
      input: { task: 'x' },
      errorText: 'Operation op-1 (demo_operation) failed: the demo task "x" failed',
    };
    const card = show([question, answer(failedPart), notice('failed'), continuation]);
    expect(card.dataset.state).toBe('failed');
    expect(screen.getByTestId('operation-error').textContent).toContain('the demo task "x" failed');
    expect(screen.getByTestId('operation-notice').textContent).toBe('demo_operation failed');
  });

  it('shows an expired one as expired, from the last look', () => {
    show(
      [question, answer({ ...startedPart })],
      polled({ status: 'expired', error: 'the deadline passed' }),
    );
    expect(screen.getByTestId('operation-status').textContent).toBe('expired');
    expect(screen.getByTestId('operation-error').textContent).toBe('the deadline passed');
  });

  it('leaves an ordinary failed tool call a tool call', () => {
    render(
      <MessageList
        messages={[
          question,
          answer({
            type: 'tool-calculator',
            toolCallId: 'call-9',
            state: 'output-error',
            input: { expression: '1/0' },
            errorText: 'division by zero',
          }),
        ]}
        status="ready"
      />,
    );
    expect(screen.queryByTestId('operation')).toBeNull();
    expect(screen.getByTestId('tool-call').dataset.state).toBe('failed');
  });
});
