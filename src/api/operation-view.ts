import type { z } from 'zod';
import type { operationSchema } from '../protocol/http-schemas.ts';
import type { Operation } from '../store/chat-store.ts';

/** An operation as the API shows it to its owner (never its token digest or cancel URL). */
export function operationView(operation: Operation): z.infer<typeof operationSchema> {
  return {
    id: operation.id,
    session_id: operation.sessionId,
    tool_name: operation.toolName,
    tool_call_id: operation.toolCallId,
    assistant_message_id: operation.assistantMessageId,
    input: operation.input,
    status: operation.status,
    result: operation.result,
    error: operation.error,
    deadline: operation.deadline.toISOString(),
    created_at: operation.createdAt.toISOString(),
    updated_at: operation.updatedAt.toISOString(),
    finished_at: operation.finishedAt?.toISOString() ?? null,
    continuation_turn_id: operation.continuationTurnId,
  };
}
