import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { type ToolApproval, ToolApprovalContext } from './tool-approval-context.ts';
import { inputPreview, ToolCallView, type ToolCallPart } from './tool-call-view.tsx';

const input = { expression: '12*(3+4)' };

function renderTool(part: ToolCallPart) {
  render(<ToolCallView part={part} />);
  return screen.getByTestId('tool-call');
}

describe('ToolCallView', () => {
  it('shows a call whose input is still streaming as pending, with the partial input', () => {
    const call = renderTool({
      type: 'tool-calculator',
      state: 'input-streaming',
      input: { expression: '12*' },
    });
    expect(call.dataset.toolName).toBe('calculator');
    expect(call.dataset.state).toBe('pending');
    expect(screen.getByTestId('tool-input').textContent).toContain('"expression": "12*"');
    expect(screen.queryByTestId('tool-output')).toBeNull();
  });

  it('shows a call left without output by an answer that ended as interrupted (failed), not running', () => {
    render(
      <ToolCallView
        part={{ type: 'tool-calculator', state: 'input-available', input }}
        answerEnded
      />,
    );
    const call = screen.getByTestId('tool-call');
    expect(call.dataset.state).toBe('failed');
    expect(call.textContent).toContain('interrupted');
    expect(screen.getByTestId('tool-error').textContent).toContain('ended before');
  });

  it('keeps a finished call done once the answer ended', () => {
    render(
      <ToolCallView
        part={{ type: 'tool-calculator', state: 'output-available', input, output: { result: 84 } }}
        answerEnded
      />,
    );
    expect(screen.getByTestId('tool-call').dataset.state).toBe('done');
  });

  it('shows a call with complete input and no output yet as running', () => {
    const call = renderTool({ type: 'tool-calculator', state: 'input-available', input });
    expect(call.dataset.state).toBe('running');
    expect(call.textContent).toContain('running');
    expect(screen.queryByTestId('tool-output')).toBeNull();
    expect(screen.queryByTestId('tool-error')).toBeNull();
  });

  it('shows a call with output as done, with its input and output', () => {
    const call = renderTool({
      type: 'tool-calculator',
      state: 'output-available',
      input,
      output: { result: 84 },
    });
    expect(call.dataset.state).toBe('done');
    expect(screen.getByTestId('tool-input').textContent).toContain('12*(3+4)');
    expect(screen.getByTestId('tool-output').textContent).toContain('"result": 84');
  });

  it('shows a failed call with its error text', () => {
    const call = renderTool({
      type: 'tool-calculator',
      state: 'output-error',
      input,
      errorText: 'Division by zero',
    });
    expect(call.dataset.state).toBe('failed');
    expect(screen.getByTestId('tool-error').textContent).toBe('Division by zero');
    expect(screen.queryByTestId('tool-output')).toBeNull();
  });

  it('shows a denied call as denied, with the reason given', () => {
    const call = renderTool({
      type: 'tool-deleteFiles',
      state: 'output-denied',
      input: {},
      approval: { id: 'approval-1', approved: false, reason: 'not my files' },
    });
    expect(call.dataset.state).toBe('denied');
    expect(call.textContent).toContain('denied');
    expect(screen.getByTestId('tool-denied').textContent).toBe(
      'You denied this tool call: not my files',
    );
  });

  it('names a dynamic tool by its toolName', () => {
    const call = renderTool({
      type: 'dynamic-tool',
      toolName: 'search_web',
      state: 'output-available',
      input: { q: 'durable' },
      output: 'three results',
    });
    expect(call.dataset.toolName).toBe('search_web');
    expect(call.dataset.state).toBe('done');
    expect(screen.getByTestId('tool-output').textContent).toContain('three results');
  });
});

describe('a tool call collapsed to one line', () => {
  const part: ToolCallPart = {
    type: 'tool-calculator',
    state: 'output-available',
    input: { expression: '12*(3+4)' },
    output: { expression: '12*(3+4)', result: 84 },
  };

  it('starts collapsed, its summary naming the tool, its input and its state', () => {
    const call = renderTool(part);
    expect(call.tagName).toBe('DETAILS');
    expect((call as HTMLDetailsElement).open).toBe(false);
    const summary = screen.getByTestId('tool-call-summary');
    expect(summary.tagName).toBe('SUMMARY');
    expect(summary.textContent).toBe('⚙calculatorexpression: 12*(3+4)done');
  });

  it('opens to its input and output when the summary is activated, and closes again', () => {
    const call = renderTool(part) as HTMLDetailsElement;
    const summary = screen.getByTestId('tool-call-summary');
    fireEvent.click(summary);
    expect(call.open).toBe(true);
    expect(screen.getByTestId('tool-output').textContent).toContain('"result": 84');
    fireEvent.click(summary);
    expect(call.open).toBe(false);
  });

  it('stays collapsed when it failed, saying so in its summary', () => {
    renderTool({ type: 'tool-calculator', state: 'output-error', input, errorText: 'Nope' });
    const call = screen.getByTestId('tool-call') as HTMLDetailsElement;
    expect(call.open).toBe(false);
    expect(screen.getByTestId('tool-call-summary').textContent).toContain('failed');
  });
});

describe('inputPreview', () => {
  it('writes an object input as key: value pairs on one line', () => {
    expect(inputPreview({ expression: '1+1', precise: true, limits: [1, 2] })).toBe(
      'expression: 1+1, precise: true, limits: [1,2]',
    );
  });

  it('shows nothing for a missing or empty input and a string input as it is', () => {
    expect(inputPreview(undefined)).toBe('');
    expect(inputPreview({})).toBe('');
    expect(inputPreview('  what\n time   is it ')).toBe('what time is it');
  });

  it('shortens a long input with an ellipsis', () => {
    const preview = inputPreview({ query: 'x'.repeat(500) });
    expect(preview).toHaveLength(80);
    expect(preview.endsWith('…')).toBe(true);
  });
});

describe('a tool call that needs approval', () => {
  const awaiting: ToolCallPart = {
    type: 'tool-demo_action',
    state: 'approval-requested',
    input: { action: 'water the plants' },
    approval: { id: 'approval-1' },
  };

  function renderAwaiting(busy = false, answerEnded = false) {
    const answers: [string, boolean][] = [];
    const approval: ToolApproval = {
      respond: (approvalId, approved) => answers.push([approvalId, approved]),
      busy,
    };
    render(
      <ToolApprovalContext value={approval}>
        <ToolCallView part={awaiting} answerEnded={answerEnded} />
      </ToolApprovalContext>,
    );
    return answers;
  }

  it('says it needs approval and answers it with Approve or Deny, even in an ended answer', () => {
    const answers = renderAwaiting(false, true);
    const call = screen.getByTestId('tool-call');
    expect(call.dataset.state).toBe('awaiting');
    expect(call.textContent).toContain('needs approval');
    expect(screen.getByTestId('tool-approval').textContent).toContain('Run demo_action?');
    fireEvent.click(screen.getByTestId('approve-tool'));
    fireEvent.click(screen.getByTestId('deny-tool'));
    expect(answers).toEqual([
      ['approval-1', true],
      ['approval-1', false],
    ]);
  });

  it('disables the buttons while an answer streams', () => {
    renderAwaiting(true);
    expect(screen.getByTestId<HTMLButtonElement>('approve-tool').disabled).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>('deny-tool').disabled).toBe(true);
  });

  it('shows no buttons where no chat can answer', () => {
    renderTool(awaiting);
    expect(screen.getByTestId('tool-call').dataset.state).toBe('awaiting');
    expect(screen.queryByTestId('tool-approval')).toBeNull();
  });

  it('shows an answered call as running until its outcome arrives', () => {
    const call = renderTool({
      ...awaiting,
      state: 'approval-responded',
      approval: { id: 'approval-1', approved: true },
    });
    expect(call.dataset.state).toBe('running');
    expect(screen.queryByTestId('tool-approval')).toBeNull();
  });
});
