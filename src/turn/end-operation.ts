import type { UIMessage } from 'ai';
import { continuationMessageId, operationErrorText } from '../protocol/operation-outputs.ts';
import type { EndedOperationStatus, EndOperationResult, Operation } from '../store/chat-store.ts';
import type { EndTurnDependencies } from './end-turn.ts';

/** How much of a result the continuation message quotes; the whole result is the tool output. */
const quotedResultChars = 4_000;

export interface OperationEnding {
  operationId: string;
  status: EndedOperationStatus;
  result?: unknown;
  error?: string | null;
}

/**
 * Ends an operation — the one path for a completion (webhook or queue), a deadline and a
 * cancel: the store ends it once (a second ending changes nothing and reports `already-ended`),
 * shows the outcome in the tool part that started it and stores the continuation, and the
 * session's next turn starts when nothing runs there (`afterTurnEnded`); otherwise the running
 * turn's end starts it. `continues: false` (the session is being deleted) stores no continuation.
 */
export async function endOperation(
  dependencies: EndTurnDependencies,
  ending: OperationEnding,
  options: { continues?: boolean } = {},
): Promise<EndOperationResult> {
  const { store, logger, metrics } = dependencies;
  const operation = await store.getOperation(ending.operationId);
  if (operation === null) return { type: 'not-found' };
  if (operation.status !== 'pending' && operation.status !== 'running') {
    return { type: 'already-ended', operation };
  }
  const outcome = {
    id: operation.id,
    toolName: operation.toolName,
    toolCallId: operation.toolCallId,
    status: ending.status,
    result: ending.status === 'completed' ? (ending.result ?? null) : null,
    error: ending.status === 'completed' ? null : (ending.error ?? null),
  };
  const ended = await store.endOperation({
    id: operation.id,
    status: ending.status,
    result: outcome.result,
    error: outcome.error,
    continuation: options.continues === false ? null : continuationMessage(operation, outcome),
  });
  if (ended.type !== 'ended') return ended;
  // The store may end it otherwise: an operation whose answer was replaced is cancelled.
  const { status, error } = ended.operation;
  metrics.operationsEnded.inc({ outcome: status });
  metrics.operationAgeSeconds.observe(
    { outcome: status },
    (Date.now() - operation.createdAt.getTime()) / 1000,
  );
  logger.info(
    {
      operationId: operation.id,
      sessionId: operation.sessionId,
      tool: operation.toolName,
      outcome: status,
      error: error ?? undefined,
    },
    'operation ended',
  );
  if (options.continues !== false) await dependencies.afterTurnEnded?.(operation.sessionId);
  return ended;
}

/**
 * The message the continuation turn answers: a `system` message (nobody typed it) saying what
 * came of the operation, so the model carries on from there. Its metadata names the operation
 * for clients, which show it as a notice rather than as someone's words.
 */
function continuationMessage(
  operation: Operation,
  outcome: Parameters<typeof operationErrorText>[0],
): UIMessage {
  const text =
    outcome.status === 'completed'
      ? `Operation ${operation.id} (${operation.toolName}) completed. Its result is now the output of tool call ${operation.toolCallId}: ${quoted(outcome.result)}\nContinue the conversation: tell the user what came of it.`
      : `${operationErrorText(outcome)}\nContinue the conversation: tell the user, and what they can do now.`;
  return {
    id: continuationMessageId(operation.id),
    role: 'system',
    parts: [{ type: 'text', text }],
    metadata: {
      operation: {
        id: operation.id,
        tool_name: operation.toolName,
        tool_call_id: operation.toolCallId,
        status: outcome.status,
      },
    },
  };
}

function quoted(result: unknown): string {
  const json = typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null');
  return json.length <= quotedResultChars
    ? json
    : `${json.slice(0, quotedResultChars)}… (${json.length} characters; the rest is in the tool output)`;
}
