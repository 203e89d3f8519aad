import type { UIMessage } from 'ai';
import { createContext } from 'react';
import type { Operation, OperationStatus } from '../../../src/client/index.ts';
import { isRecord } from '../conversation/message-outcome.ts';

/**
 * A continuation in the conversation: the `system` message the server adds when an operation
 * ends (its metadata `{operation: {id, tool_name, tool_call_id, status}}`), and the answer that
 * follows it once the continuation turn has begun.
 */
export interface Continuation {
  operationId: string;
  toolName: string;
  toolCallId: string;
  status: OperationStatus;
  noticeId: string;
  /** The continuation's answer; null while it has not arrived here yet. */
  answerId: string | null;
}

/** What the conversation knows about its operations, for the tool parts that started them. */
export interface SessionOperations {
  /** By operation id, as the last look at the session found them (empty before one). */
  polled: ReadonlyMap<string, Operation>;
  /** By operation id, from the continuation messages among the messages shown. */
  continuations: ReadonlyMap<string, Continuation>;
}

export const noOperations: SessionOperations = { polled: new Map(), continuations: new Map() };

export const SessionOperationsContext = createContext<SessionOperations>(noOperations);

const operationStatuses = new Set<string>([
  'pending',
  'running',
  'completed',
  'failed',
  'expired',
  'cancelled',
]);

/** The operation a continuation message names; null for any other message. */
export function continuationOperationOf(
  message: UIMessage,
): Omit<Continuation, 'noticeId' | 'answerId'> | null {
  if (message.role !== 'system' || !isRecord(message.metadata)) return null;
  const operation = message.metadata.operation;
  if (!isRecord(operation)) return null;
  const { id, tool_name: toolName, tool_call_id: toolCallId, status } = operation;
  if (typeof id !== 'string' || typeof toolName !== 'string' || typeof toolCallId !== 'string')
    return null;
  if (typeof status !== 'string' || !operationStatuses.has(status)) return null;
  return { operationId: id, toolName, toolCallId, status: status as OperationStatus };
}

export function readContinuations(messages: readonly UIMessage[]): Map<string, Continuation> {
  const continuations = new Map<string, Continuation>();
  messages.forEach((message, index) => {
    const operation = continuationOperationOf(message);
    if (operation === null) return;
    const next = messages[index + 1];
    continuations.set(operation.operationId, {
      ...operation,
      noticeId: message.id,
      answerId: next?.role === 'assistant' ? next.id : null,
    });
  });
  return continuations;
}

/** The operation id a tool part's output names (`operation_started`, `_in_progress`, `_completed`). */
export function operationIdOfOutput(output: unknown): string | null {
  if (!isRecord(output) || typeof output.operation_id !== 'string') return null;
  const { type } = output;
  return type === 'operation_started' ||
    type === 'operation_in_progress' ||
    type === 'operation_completed'
    ? output.operation_id
    : null;
}

export function isInProgress(status: OperationStatus): boolean {
  return status === 'pending' || status === 'running';
}
