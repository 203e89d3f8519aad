import { use } from 'react';
import { isRecord } from '../conversation/message-outcome.ts';
import { JsonView } from './json-view.tsx';
import { ToolApprovalContext } from './tool-approval-context.ts';

/** The states a reader cares about, from the AI SDK's tool part states. */
export type ToolDisplayState = 'pending' | 'awaiting' | 'running' | 'done' | 'failed' | 'denied';

const stateLabels: Record<ToolDisplayState, string> = {
  pending: 'preparing',
  awaiting: 'needs approval',
  running: 'running',
  done: 'done',
  failed: 'failed',
  denied: 'denied',
};

export function toolDisplayState(state: unknown): ToolDisplayState {
  switch (state) {
    case 'approval-requested':
      return 'awaiting';
    case 'input-streaming':
      return 'pending';
    case 'approval-responded':
    case 'input-available':
      return 'running';
    case 'output-available':
      return 'done';
    case 'output-error':
      return 'failed';
    case 'output-denied':
      return 'denied';
    default:
      return 'pending';
  }
}

/** A tool call part (`tool-<name>` or `dynamic-tool`) as the server or the stream left it. */
export interface ToolCallPart {
  type: string;
  toolName?: string;
  state?: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  title?: string;
  approval?: { id: string; approved?: boolean; reason?: string };
}

export function toolNameOf(part: ToolCallPart): string {
  if (part.type === 'dynamic-tool') return part.toolName ?? 'tool';
  return part.type.slice('tool-'.length);
}

/**
 * A tool call, collapsed to one line (the tool, what it was asked, its state) so calls do not
 * push the answer off screen; the native disclosure opens it to its input and output, by mouse
 * or keyboard (Enter or Space on the summary), and screen readers announce it as expandable.
 * A call that needs the user's approval says so, with Approve and Deny buttons when the chat
 * can answer it (`ToolApprovalContext`); it waits for them even in an answer that ended.
 */
export function ToolCallView({
  part,
  answerEnded = false,
}: {
  part: ToolCallPart;
  /**
   * The answer is over (stopped, failed, or loaded from history): a call still without output
   * will never get one, so it shows as failed rather than running forever.
   */
  answerEnded?: boolean;
}) {
  const approval = use(ToolApprovalContext);
  const name = toolNameOf(part);
  const streamingState = toolDisplayState(part.state);
  const interrupted = answerEnded && (streamingState === 'pending' || streamingState === 'running');
  const state = interrupted ? 'failed' : streamingState;
  const errorText = interrupted
    ? 'The answer ended before this tool call finished.'
    : (part.errorText ?? undefined);
  const preview = inputPreview(part.input);
  const approvalId = part.approval?.id;
  const details = (
    <details className="tool-call" data-testid="tool-call" data-tool-name={name} data-state={state}>
      <summary className="tool-call-header" data-testid="tool-call-summary">
        <span className="tool-icon" aria-hidden="true">
          ⚙
        </span>
        <span className="tool-name">{part.title ?? name}</span>
        {preview && <span className="tool-preview">{preview}</span>}
        <span className={`tool-state tool-state-${state}`}>
          {interrupted ? 'interrupted' : stateLabels[state]}
        </span>
      </summary>
      <div className="tool-section" data-testid="tool-input">
        <div className="tool-section-label">Input</div>
        {part.input === undefined ? (
          <span className="muted">…</span>
        ) : (
          <JsonView value={part.input} />
        )}
      </div>
      {part.state === 'output-available' && (
        <div className="tool-section" data-testid="tool-output">
          <div className="tool-section-label">Output</div>
          <JsonView value={part.output} />
        </div>
      )}
      {state === 'failed' && (
        <div className="tool-section tool-error" data-testid="tool-error">
          {errorText ?? 'The tool failed.'}
        </div>
      )}
      {state === 'denied' && (
        <div className="tool-section tool-error" data-testid="tool-denied">
          {part.approval?.reason
            ? `You denied this tool call: ${part.approval.reason}`
            : 'You denied this tool call.'}
        </div>
      )}
    </details>
  );
  if (state !== 'awaiting' || approval === null || approvalId === undefined) return details;
  return (
    <div className="tool-call-awaiting">
      {details}
      <div
        className="tool-approval"
        data-testid="tool-approval"
        role="group"
        aria-label={`Run ${name}?`}
      >
        <span className="tool-approval-question">Run {part.title ?? name}?</span>
        <button
          type="button"
          className="button button-primary"
          data-testid="approve-tool"
          disabled={approval.busy}
          onClick={() => approval.respond(approvalId, true)}
        >
          Approve
        </button>
        <button
          type="button"
          className="button"
          data-testid="deny-tool"
          disabled={approval.busy}
          onClick={() => approval.respond(approvalId, false)}
        >
          Deny
        </button>
      </div>
    </div>
  );
}

const previewLength = 80;

/** The call's input on one line, `expression: 12*(3+4)`, for the collapsed summary. */
export function inputPreview(input: unknown): string {
  let text: string;
  if (input === undefined || input === null) return '';
  if (typeof input === 'string') text = input;
  else if (isRecord(input)) {
    text = Object.entries(input)
      .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(', ');
  } else text = JSON.stringify(input) ?? '';
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > previewLength ? `${line.slice(0, previewLength - 1)}…` : line;
}
