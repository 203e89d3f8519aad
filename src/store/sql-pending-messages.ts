import type { UIMessage } from 'ai';
import type {
  AddPendingMessageInput,
  AddPendingMessageResult,
  LimitScope,
  PendingMessage,
  PendingMode,
} from './chat-store.ts';
import { SessionNotFoundError } from './chat-store-errors.ts';
import { toPostgresJson } from './postgres-json.ts';
import { type BigintValue, single } from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';
import { lockSession } from './sql-session-lock.ts';

interface PendingMessageRow {
  session_id: string;
  message: UIMessage;
  mode: PendingMode;
  created_at: Date;
}

/** Where a follow-up id of a session went: null while it waits, else the turn that took it. */
export interface PendingMessageState {
  takenByTurnId: string | null;
}

/** ChatStore.addPendingMessage inside the caller's transaction. */
export async function addPendingMessageIn(
  transaction: SqlClient,
  input: AddPendingMessageInput,
): Promise<AddPendingMessageResult> {
  const { sessionId, message } = input;
  // The lock startTurn takes too: an id cannot become a message and a follow-up at once.
  if (!(await lockSession(transaction, sessionId))) throw new SessionNotFoundError(sessionId);
  // The primary key, not the read below, decides between concurrent adds of one id. A turn's
  // answer id counts as used before the answer is stored: it will be, and a follow-up with that
  // id could then never start a turn.
  const added = await transaction.query(
    `INSERT INTO pending_messages (session_id, id, message, mode)
     SELECT $1, $2, $3::json, $4
     WHERE NOT EXISTS (SELECT 1 FROM messages WHERE session_id = $1 AND id = $2)
       AND NOT EXISTS (SELECT 1 FROM turns WHERE session_id = $1 AND assistant_message_id = $2)
     ON CONFLICT (session_id, id) DO NOTHING RETURNING id`,
    [sessionId, message.id, toPostgresJson(message), input.mode],
  );
  if (added.length > 0) return { type: 'added' };
  const state = await findPendingMessage(transaction, sessionId, message.id);
  if (state === null) return { type: 'stored' };
  return state.takenByTurnId === null
    ? { type: 'pending' }
    : { type: 'taken', turnId: state.takenByTurnId };
}

/** The session's follow-up `messageId`, waiting or taken; null when there is none. */
export async function findPendingMessage(
  client: SqlClient,
  sessionId: string,
  messageId: string,
): Promise<PendingMessageState | null> {
  const rows = await client.query<{ taken_by_turn_id: string | null }>(
    'SELECT taken_by_turn_id FROM pending_messages WHERE session_id = $1 AND id = $2',
    [sessionId, messageId],
  );
  return rows[0] === undefined ? null : { takenByTurnId: rows[0].taken_by_turn_id };
}

export async function listPendingMessages(
  client: SqlClient,
  sessionId: string,
): Promise<PendingMessage[]> {
  const rows = await client.query<PendingMessageRow>(
    `SELECT session_id, message, mode, created_at FROM pending_messages
     WHERE session_id = $1 AND taken_by_turn_id IS NULL ORDER BY sequence`,
    [sessionId],
  );
  return rows.map((row) => ({
    sessionId: row.session_id,
    message: row.message,
    mode: row.mode,
    createdAt: row.created_at,
  }));
}

export async function listSessionsWithPendingMessages(
  client: SqlClient,
  createdBefore: Date,
  limit: number,
): Promise<string[]> {
  const rows = await client.query<{ session_id: string }>(
    `SELECT session_id FROM pending_messages
     WHERE taken_by_turn_id IS NULL AND created_at < $1
     GROUP BY session_id ORDER BY min(created_at), session_id LIMIT $2`,
    [createdBefore.toISOString(), limit],
  );
  return rows.map((row) => row.session_id);
}

export async function countPendingMessages(client: SqlClient, scope: LimitScope): Promise<number> {
  const rows =
    'userId' in scope
      ? await client.query<{ count: BigintValue }>(
          `SELECT count(*) AS count FROM sessions
           JOIN pending_messages ON pending_messages.session_id = sessions.id
           WHERE sessions.user_id = $1 AND pending_messages.taken_by_turn_id IS NULL
             AND pending_messages.mode <> 'continue'`,
          [scope.userId],
        )
      : await client.query<{ count: BigintValue }>(
          `SELECT count(*) AS count FROM pending_messages
           WHERE session_id = $1 AND taken_by_turn_id IS NULL AND mode <> 'continue'`,
          [scope.sessionId],
        );
  return Number(single(rows).count);
}

export async function countUnfinishedTurns(client: SqlClient, scope: LimitScope): Promise<number> {
  const rows =
    'userId' in scope
      ? await client.query<{ count: BigintValue }>(
          `SELECT count(*) AS count FROM sessions
           JOIN turns ON turns.session_id = sessions.id
           WHERE sessions.user_id = $1 AND turns.status IN ('queued', 'running')`,
          [scope.userId],
        )
      : await client.query<{ count: BigintValue }>(
          `SELECT count(*) AS count FROM turns
           WHERE session_id = $1 AND status IN ('queued', 'running')`,
          [scope.sessionId],
        );
  return Number(single(rows).count);
}

/**
 * finishTurn's part: the session's waiting follow-ups that `answer` shows the model received
 * (its `steering-message` parts) are taken by the turn. The caller holds the session lock.
 */
export async function takeSteeredMessages(
  transaction: SqlClient,
  sessionId: string,
  turnId: string,
  answer: UIMessage,
): Promise<void> {
  const steeredIds = answer.parts.flatMap((part) =>
    part.type === 'steering-message' ? [part.id] : [],
  );
  if (steeredIds.length === 0) return;
  await transaction.query(
    `UPDATE pending_messages SET taken_by_turn_id = $2
     WHERE session_id = $1 AND taken_by_turn_id IS NULL
       AND id IN (SELECT json_array_elements_text($3::json))`,
    [sessionId, turnId, toPostgresJson(steeredIds)],
  );
}

/** discardTurn's part: what the turn took waits again. Call before the turn row goes. */
export async function releaseTakenMessages(transaction: SqlClient, turnId: string): Promise<void> {
  await transaction.query(
    'UPDATE pending_messages SET taken_by_turn_id = NULL WHERE taken_by_turn_id = $1',
    [turnId],
  );
}
