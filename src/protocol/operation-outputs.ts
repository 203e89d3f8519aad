import type { UIMessage } from 'ai';

/**
 * What a long-running tool's call shows while its operation is in progress: the output of the
 * tool part (the seed's `operation_started`), until the operation ends and the part takes its
 * outcome in place (`operationCompletedOutput`, or the part's error).
 */
export interface OperationStartedOutput {
  type: 'operation_started';
  operation_id: string;
  tool_name: string;
  status: 'pending' | 'running';
  message: string;
}

/** A second call of the same tool with the same input while the first is in progress. */
export interface OperationInProgressOutput {
  type: 'operation_in_progress';
  operation_id: string;
  tool_name: string;
  message: string;
}

/** The tool part's output once its operation completed: what its service returned. */
export interface OperationCompletedOutput {
  type: 'operation_completed';
  operation_id: string;
  tool_name: string;
  result: unknown;
}

/** The part of an ended operation this module needs (the store's `Operation` has more). */
export interface OperationOutcome {
  id: string;
  toolName: string;
  toolCallId: string;
  status: 'completed' | 'failed' | 'expired' | 'cancelled';
  result: unknown;
  error: string | null;
}

/**
 * The id of the waiting message an operation's continuation is stored as: one per operation, so
 * a second completion cannot continue twice (message ids never contain `:`).
 */
export function continuationMessageId(operationId: string): string {
  return `operation-${operationId}`;
}

/** The text a tool part shows (and the model reads) for an operation that did not complete. */
export function operationErrorText(outcome: OperationOutcome): string {
  const reason = outcome.error ?? outcome.status;
  switch (outcome.status) {
    case 'expired':
      return `Operation ${outcome.id} (${outcome.toolName}) did not complete before its deadline: ${reason}`;
    case 'cancelled':
      return `Operation ${outcome.id} (${outcome.toolName}) was cancelled: ${reason}`;
    default:
      return `Operation ${outcome.id} (${outcome.toolName}) failed: ${reason}`;
  }
}

/**
 * `message` with the tool part of the operation's call showing its outcome; `message` itself
 * (same object) when it holds no such call, so callers can tell whether anything changed.
 */
export function withOperationOutcome(message: UIMessage, outcome: OperationOutcome): UIMessage {
  let changed = false;
  const parts = message.parts.map((part) => {
    if (!('toolCallId' in part) || part.toolCallId !== outcome.toolCallId) return part;
    if (part.type !== 'dynamic-tool' && !part.type.startsWith('tool-')) return part;
    changed = true;
    const {
      output: _output,
      errorText: _errorText,
      ...rest
    } = part as typeof part & {
      output?: unknown;
      errorText?: unknown;
    };
    if (outcome.status === 'completed') {
      const output: OperationCompletedOutput = {
        type: 'operation_completed',
        operation_id: outcome.id,
        tool_name: outcome.toolName,
        result: outcome.result,
      };
      return { ...rest, state: 'output-available', output } as typeof part;
    }
    return {
      ...rest,
      state: 'output-error',
      errorText: operationErrorText(outcome),
    } as typeof part;
  });
  return changed ? { ...message, parts } : message;
}
