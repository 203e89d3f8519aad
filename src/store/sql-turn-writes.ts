import type { UIMessage } from 'ai';
import type { StartTurnInput, StartTurnResult } from './chat-store.ts';
import { MessageIdConflictError, SessionNotFoundError } from './chat-store-errors.ts';
import { toPostgresJson } from './postgres-json.ts';
import { type MessageRow, single, type TurnRow, toTurn, turnColumns } from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';

/** ChatStore.startTurn inside the caller's transaction. */
export async function startTurnIn(
  transaction: SqlClient,
  input: StartTurnInput,
): Promise<StartTurnResult> {
  const message = input.userMessage;
  // Serializes every writer of this session: a concurrent duplicate waits here, then sees ours.
  if (!(await lockSession(transaction, input.sessionId))) {
    throw new SessionNotFoundError(input.sessionId);
  }
  const existing = await findMessage(transaction, message.id);
  if (existing !== undefined) {
    if (existing.session_id !== input.sessionId || existing.role !== message.role) {
      throw new MessageIdConflictError(message.id);
    }
    const turns = await transaction.query<TurnRow>(
      `SELECT ${turnColumns} FROM turns WHERE user_message_id = $1`,
      [message.id],
    );
    if (turns[0] === undefined) throw new MessageIdConflictError(message.id);
    return { created: false, turn: toTurn(turns[0]) };
  }
  await insertMessage(transaction, input.sessionId, message);
  const turns = await transaction.query<TurnRow>(
    `INSERT INTO turns (id, session_id, user_message_id, assistant_message_id, status)
     VALUES ($1, $2, $3, $4, 'queued') RETURNING ${turnColumns}`,
    [input.turnId, input.sessionId, message.id, input.assistantMessageId],
  );
  await transaction.query('UPDATE sessions SET updated_at = clock_timestamp() WHERE id = $1', [
    input.sessionId,
  ]);
  return { created: true, turn: toTurn(single(turns)) };
}

/**
 * Row-locks the session until the transaction ends, so its messages have one writer at a time.
 * False if the session does not exist.
 */
export async function lockSession(transaction: SqlClient, sessionId: string): Promise<boolean> {
  const rows = await transaction.query('SELECT id FROM sessions WHERE id = $1 FOR UPDATE', [
    sessionId,
  ]);
  return rows.length > 0;
}

async function findMessage(
  transaction: SqlClient,
  messageId: string,
): Promise<MessageRow | undefined> {
  const rows = await transaction.query<MessageRow>(
    'SELECT id, session_id, role, parts, metadata FROM messages WHERE id = $1',
    [messageId],
  );
  return rows[0];
}

/** Appends after the session's last message; the caller holds the session lock. */
async function insertMessage(
  transaction: SqlClient,
  sessionId: string,
  message: UIMessage,
): Promise<void> {
  await transaction.query(
    `INSERT INTO messages (id, session_id, sequence, role, parts, metadata)
     SELECT $1, $2, coalesce(max(sequence), 0) + 1, $3, $4::jsonb, $5::jsonb
     FROM messages WHERE session_id = $2`,
    [
      message.id,
      sessionId,
      message.role,
      toPostgresJson(message.parts),
      message.metadata === undefined ? null : toPostgresJson(message.metadata),
    ],
  );
}

/** Inserts the message at the end, or rewrites it in place if this session already has it. */
export async function upsertAssistantMessage(
  transaction: SqlClient,
  sessionId: string,
  message: UIMessage,
): Promise<void> {
  const existing = await findMessage(transaction, message.id);
  if (existing === undefined) {
    await insertMessage(transaction, sessionId, message);
    return;
  }
  if (existing.session_id !== sessionId || existing.role !== message.role) {
    throw new MessageIdConflictError(message.id);
  }
  await transaction.query(
    'UPDATE messages SET parts = $2::jsonb, metadata = $3::jsonb WHERE id = $1',
    [
      message.id,
      toPostgresJson(message.parts),
      message.metadata === undefined ? null : toPostgresJson(message.metadata),
    ],
  );
}
