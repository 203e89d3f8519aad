import type { OperationStatus } from '../../../src/client/index.ts';
import { isRecord } from '../conversation/message-outcome.ts';
import { JsonView } from './json-view.tsx';
import type { SessionOperations } from './session-operations.ts';
import { operationIdOfOutput } from './session-operations.ts';
import type { ToolCallPart } from './tool-call-view.tsx';
import { toolNameOf } from './tool-call-view.tsx';
import './operation-view.css';

/** What an operation card shows, merged from the tool part, the polls and the continuation. */
export interface OperationCard {
  operationId: string;
  toolName: string;
  status: OperationStatus;
  /** What the tool said when it started it. */
  message: string | null;
  startedAt: string | null;
  result: unknown;
  error: string | null;
  /** The continuation's answer, to go to; null until it is in the conversation. */
  answerId: string | null;
}

const statusLabels: Record<OperationStatus, string> = {
  pending: 'pending',
  running: 'running',
  completed: 'done',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'cancelled',
};

/**
 * The operation a tool part stands for, or null for an ordinary tool call. A part says so by
 * its output while the operation runs and after it completed; a part that ended in an error is
 * an operation's only when a poll or a continuation names its tool call. The freshest source
 * wins for the status: the last poll, then the continuation message, then the part itself.
 */
export function operationCardOf(
  part: ToolCallPart & { toolCallId?: string },
  known: SessionOperations,
): OperationCard | null {
  let operationId = part.state === 'output-available' ? operationIdOfOutput(part.output) : null;
  if (operationId === null && part.state === 'output-error' && part.toolCallId !== undefined) {
    operationId = operationIdOfToolCall(part.toolCallId, known);
  }
  if (operationId === null) return null;
  const polled = known.polled.get(operationId);
  const continuation = known.continuations.get(operationId);
  const output = isRecord(part.output) ? part.output : {};
  const ownStatus: OperationStatus =
    part.state === 'output-error'
      ? 'failed'
      : output.type === 'operation_completed'
        ? 'completed'
        : output.status === 'pending'
          ? 'pending'
          : 'running';
  const status = polled?.status ?? continuation?.status ?? ownStatus;
  return {
    operationId,
    toolName:
      polled?.tool_name ??
      (typeof output.tool_name === 'string' ? output.tool_name : toolNameOf(part)),
    status,
    message: typeof output.message === 'string' ? output.message : null,
    startedAt: polled?.created_at ?? null,
    result: polled?.result ?? (output.type === 'operation_completed' ? output.result : undefined),
    error: polled?.error ?? (part.state === 'output-error' ? (part.errorText ?? null) : null),
    answerId: continuation?.answerId ?? null,
  };
}

function operationIdOfToolCall(toolCallId: string, known: SessionOperations): string | null {
  for (const operation of known.polled.values()) {
    if (operation.tool_call_id === toolCallId) return operation.id;
  }
  for (const continuation of known.continuations.values()) {
    if (continuation.toolCallId === toolCallId) return continuation.operationId;
  }
  return null;
}

/**
 * A long-running operation a tool started: its status (updated in place as polls and the
 * continuation arrive), when it started, its result or error once it ended, and a way to the
 * answer that continued the conversation with it.
 */
export function OperationView({ card }: { card: OperationCard }) {
  const { status } = card;
  const ended = status !== 'pending' && status !== 'running';
  return (
    <section
      className="operation"
      data-testid="operation"
      data-operation-id={card.operationId}
      data-state={status}
      aria-label={`${card.toolName} operation, ${statusLabels[status]}`}
    >
      <div className="operation-header">
        <span className="tool-icon" aria-hidden="true">
          ⚙
        </span>
        <span className="tool-name">{card.toolName}</span>
        {card.startedAt && (
          <span className="operation-started muted">
            started <time dateTime={card.startedAt}>{formatTime(card.startedAt)}</time>
          </span>
        )}
        <span
          className={`tool-state operation-state-${status}`}
          data-testid="operation-status"
          role="status"
        >
          {statusLabels[status]}
        </span>
      </div>
      {!ended && card.message && <div className="operation-message muted">{card.message}</div>}
      {status === 'completed' && card.result !== undefined && (
        <div className="tool-section" data-testid="operation-result">
          <div className="tool-section-label">Result</div>
          <JsonView value={card.result} />
        </div>
      )}
      {ended && status !== 'completed' && (
        <div className="tool-section tool-error" data-testid="operation-error">
          {card.error ?? `The operation ${statusLabels[status]}.`}
        </div>
      )}
      {card.answerId !== null && (
        <div className="operation-actions">
          <button
            type="button"
            className="link-button"
            data-testid="operation-go-to-result"
            onClick={() => goToMessage(card.answerId)}
          >
            Go to result
          </button>
        </div>
      )}
    </section>
  );
}

function goToMessage(messageId: string | null) {
  if (messageId === null) return;
  const message = Array.from(document.querySelectorAll('[data-message-id]')).find(
    (element) => element.getAttribute('data-message-id') === messageId,
  );
  // Not in jsdom; a browser without it still has the answer right below.
  message?.scrollIntoView?.({ behavior: 'smooth', block: 'start' });
}

function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
