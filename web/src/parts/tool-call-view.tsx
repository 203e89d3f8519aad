import { JsonView } from './json-view.tsx';

/** The four states a reader cares about, from the AI SDK's tool part states. */
export type ToolDisplayState = 'pending' | 'running' | 'done' | 'failed';

const stateLabels: Record<ToolDisplayState, string> = {
  pending: 'preparing',
  running: 'running',
  done: 'done',
  failed: 'failed',
};

export function toolDisplayState(state: unknown): ToolDisplayState {
  switch (state) {
    case 'input-streaming':
    case 'approval-requested':
    case 'approval-responded':
      return 'pending';
    case 'input-available':
      return 'running';
    case 'output-available':
      return 'done';
    case 'output-error':
    case 'output-denied':
      return 'failed';
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
}

export function toolNameOf(part: ToolCallPart): string {
  if (part.type === 'dynamic-tool') return part.toolName ?? 'tool';
  return part.type.slice('tool-'.length);
}

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
  const name = toolNameOf(part);
  const streamingState = toolDisplayState(part.state);
  const interrupted = answerEnded && (streamingState === 'pending' || streamingState === 'running');
  const state = interrupted ? 'failed' : streamingState;
  const errorText = interrupted
    ? 'The answer ended before this tool call finished.'
    : part.state === 'output-denied'
      ? 'The tool call was denied.'
      : (part.errorText ?? undefined);
  return (
    <div className="tool-call" data-testid="tool-call" data-tool-name={name} data-state={state}>
      <div className="tool-call-header">
        <span className="tool-icon" aria-hidden="true">
          ⚙
        </span>
        <span className="tool-name">{part.title ?? name}</span>
        <span className={`tool-state tool-state-${state}`}>
          {interrupted ? 'interrupted' : stateLabels[state]}
        </span>
      </div>
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
        <div className="tool-section tool-error" data-testid="tool-error" role="alert">
          {errorText ?? 'The tool failed.'}
        </div>
      )}
    </div>
  );
}
