import type { UIMessage } from 'ai';
import { withOperationOutcome } from '../protocol/operation-outputs.ts';
import type {
  EndOperationInput,
  EndOperationResult,
  Operation,
  OperationStatus,
  StartOperationInput,
  StartOperationResult,
} from './chat-store.ts';
import { SessionNotFoundError } from './chat-store-errors.ts';
import { toPostgresJson, toPostgresText } from './postgres-json.ts';
import type { SqlClient } from './sql-client.ts';
import { lockSession } from './sql-session-lock.ts';
import { findMessage, messageParams, updateMessageSql } from './sql-turn-writes.ts';

interface OperationRow {
  id: string;
  session_id: string;
  turn_id: string;
  assistant_message_id: string;
  tool_call_id: string;
  tool_name: string;
  input: unknown;
  status: OperationStatus;
  completion_token_hash: string;
  cancel_url: string | null;
  deadline: Date;
  result: unknown;
  error: string | null;
  continuation_turn_id: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const operationColumns = `operations.id, operations.session_id, operations.turn_id,
  operations.assistant_message_id, operations.tool_call_id, operations.tool_name, operations.input,
  operations.status, operations.completion_token_hash, operations.cancel_url, operations.deadline,
  operations.result, operations.error, operations.created_at, operations.updated_at,
  operations.finished_at,
  -- The continuation's waiting message is named by continuationMessageId.
  (SELECT taken_by_turn_id FROM pending_messages
    WHERE pending_messages.session_id = operations.session_id
      AND pending_messages.id = 'operation-' || operations.id) AS continuation_turn_id`;

function toOperation(row: OperationRow): Operation {
  return {
    id: row.id,
    sessionId: row.session_id,
    turnId: row.turn_id,
    assistantMessageId: row.assistant_message_id,
    toolCallId: row.tool_call_id,
    toolName: row.tool_name,
    input: row.input,
    status: row.status,
    completionTokenHash: row.completion_token_hash,
    cancelUrl: row.cancel_url,
    deadline: new Date(row.deadline),
    result: row.result ?? null,
    error: row.error,
    continuationTurnId: row.continuation_turn_id,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
}

export async function getOperation(client: SqlClient, id: string): Promise<Operation | null> {
  const rows = await client.query<OperationRow>(
    `SELECT ${operationColumns} FROM operations WHERE id = $1`,
    [id],
  );
  return rows[0] === undefined ? null : toOperation(rows[0]);
}

export async function listOperationsOfSession(
  client: SqlClient,
  sessionId: string,
): Promise<Operation[]> {
  const rows = await client.query<OperationRow>(
    `SELECT ${operationColumns} FROM operations WHERE session_id = $1 ORDER BY created_at, id`,
    [sessionId],
  );
  return rows.map(toOperation);
}

export async function listOverdueOperations(
  client: SqlClient,
  now: Date,
  limit: number,
): Promise<Operation[]> {
  const rows = await client.query<OperationRow>(
    `SELECT ${operationColumns} FROM operations
     WHERE status IN ('pending', 'running') AND deadline < $1
     ORDER BY deadline, id LIMIT $2`,
    [now.toISOString(), limit],
  );
  return rows.map(toOperation);
}

/** ChatStore.startOperation inside the caller's transaction. */
export async function startOperationIn(
  transaction: SqlClient,
  input: StartOperationInput,
): Promise<StartOperationResult> {
  // The session lock orders this against endOperation and deleting the session.
  if (!(await lockSession(transaction, input.sessionId))) {
    throw new SessionNotFoundError(input.sessionId);
  }
  // The partial unique index decides between concurrent starts of the same input.
  const inserted = await transaction.query<{ id: string }>(
    `INSERT INTO operations (id, session_id, turn_id, assistant_message_id, tool_call_id,
       tool_name, input, input_key, status, completion_token_hash, cancel_url, deadline)
     VALUES ($1, $2, $3, $4, $5, $6, $7::json, $8, 'pending', $9, $10, $11)
     ON CONFLICT (session_id, input_key) WHERE status IN ('pending', 'running') DO NOTHING
     RETURNING id`,
    [
      input.id,
      input.sessionId,
      input.turnId,
      input.assistantMessageId,
      input.toolCallId,
      toPostgresText(input.toolName),
      toPostgresJson(input.input ?? null),
      input.inputKey,
      input.completionTokenHash,
      input.cancelUrl,
      input.deadline.toISOString(),
    ],
  );
  if (inserted.length > 0) {
    const started = await getOperation(transaction, input.id);
    if (started === null) throw new Error(`operation ${input.id} vanished after its insert`);
    return { type: 'started', operation: started };
  }
  // The latest call waiting for it is where its outcome shows: a regenerated answer that asks
  // again keeps the operation its replaced answer started, and must not lose its continuation.
  const rows = await transaction.query<OperationRow>(
    `UPDATE operations SET turn_id = $3, assistant_message_id = $4, tool_call_id = $5,
       updated_at = clock_timestamp()
     WHERE session_id = $1 AND input_key = $2 AND status IN ('pending', 'running')
     RETURNING ${operationColumns}`,
    [input.sessionId, input.inputKey, input.turnId, input.assistantMessageId, input.toolCallId],
  );
  if (rows[0] === undefined) throw new Error('operation conflict without an operation in progress');
  return { type: 'in-progress', operation: toOperation(rows[0]) };
}

export async function markOperationRunning(client: SqlClient, id: string): Promise<boolean> {
  const rows = await client.query(
    `UPDATE operations SET status = 'running', updated_at = clock_timestamp()
     WHERE id = $1 AND status = 'pending' RETURNING id`,
    [id],
  );
  return rows.length > 0;
}

/** ChatStore.endOperation inside the caller's transaction. */
export async function endOperationIn(
  transaction: SqlClient,
  input: EndOperationInput,
): Promise<EndOperationResult> {
  const found = await getOperation(transaction, input.id);
  if (found === null) return { type: 'not-found' };
  // Session before operation, as startTurn and finishTurn take them, so none of them deadlock.
  if (!(await lockSession(transaction, found.sessionId))) return { type: 'not-found' };
  const ending =
    input.continuation !== null && (await isOrphaned(transaction, found))
      ? { ...input, status: 'cancelled' as const, error: orphanedError, continuation: null }
      : input;
  const ended = await transaction.query<{ id: string }>(
    `UPDATE operations SET status = $2, result = $3::json, error = $4,
       updated_at = clock_timestamp(), finished_at = clock_timestamp()
     WHERE id = $1 AND status IN ('pending', 'running') RETURNING id`,
    [
      input.id,
      ending.status,
      ending.status === 'completed' ? toPostgresJson(ending.result ?? null) : null,
      ending.error === undefined || ending.error === null ? null : toPostgresText(ending.error),
    ],
  );
  const operation = await getOperation(transaction, input.id);
  if (operation === null) return { type: 'not-found' };
  if (ended.length === 0) return { type: 'already-ended', operation };
  // Without a continuation the turn that called the tool already holds the outcome (an instant
  // result, a failed start), or nobody will read it (the session is going).
  if (ending.continuation === null) return { type: 'ended', operation };
  const stored = await findMessage(transaction, operation.sessionId, operation.assistantMessageId);
  if (stored !== undefined) {
    const message: UIMessage = { id: stored.id, role: stored.role, parts: stored.parts };
    if (stored.metadata !== null && stored.metadata !== undefined) {
      message.metadata = stored.metadata;
    }
    const outcome = withOperationOutcome(message, toOutcome(operation));
    if (outcome !== message) {
      await transaction.query(updateMessageSql(1), messageParams(operation.sessionId, outcome));
    }
  }
  await transaction.query(
    `INSERT INTO pending_messages (session_id, id, message, mode)
     VALUES ($1, $2, $3::json, 'continue') ON CONFLICT (session_id, id) DO NOTHING`,
    [operation.sessionId, ending.continuation.id, toPostgresJson(ending.continuation)],
  );
  const withContinuation = await getOperation(transaction, input.id);
  return { type: 'ended', operation: withContinuation ?? operation };
}

/** Why an operation whose tool call was removed from the conversation ends as cancelled. */
const orphanedError = 'the answer that started it was replaced (regenerated or edited)';

/**
 * Whether the answer holding the operation's tool call is gone from the conversation (a
 * regenerate or an edit removed it after its turn finished): nothing is left to show the outcome
 * in or to continue from. A turn still running has simply not stored its answer yet.
 */
async function isOrphaned(transaction: SqlClient, operation: Operation): Promise<boolean> {
  const rows = await transaction.query<{ turn_running: boolean; message_stored: boolean }>(
    `SELECT
       EXISTS (SELECT 1 FROM turns WHERE id = $1 AND status IN ('queued', 'running'))
         AS turn_running,
       EXISTS (SELECT 1 FROM messages WHERE session_id = $2 AND id = $3) AS message_stored`,
    [operation.turnId, operation.sessionId, operation.assistantMessageId],
  );
  const [row] = rows;
  return row !== undefined && !row.turn_running && !row.message_stored;
}

/**
 * finishTurn's part: the tool parts of `answer` whose operations already ended with a
 * continuation (their service completed them before the turn that started them finished) show
 * the outcome. The caller holds the session lock.
 */
export async function withEndedOperations(
  transaction: SqlClient,
  turnId: string,
  answer: UIMessage,
): Promise<UIMessage> {
  if (!answer.parts.some((part) => 'toolCallId' in part)) return answer;
  const rows = await transaction.query<OperationRow>(
    `SELECT ${operationColumns} FROM operations
     WHERE turn_id = $1 AND status NOT IN ('pending', 'running')
       AND EXISTS (SELECT 1 FROM pending_messages
         WHERE pending_messages.session_id = operations.session_id
           AND pending_messages.id = 'operation-' || operations.id)`,
    [turnId],
  );
  return rows.map(toOperation).reduce((message, operation) => {
    return withOperationOutcome(message, toOutcome(operation));
  }, answer);
}

function toOutcome(operation: Operation) {
  const status = operation.status;
  if (status === 'pending' || status === 'running') {
    throw new Error(`operation ${operation.id} has not ended`);
  }
  return { ...operation, status };
}
