import type { UIMessage } from 'ai';
import type { StartTurnInput, StartTurnResult, StoredTurn } from './chat-store.ts';
import {
  MessageIdConflictError,
  SessionNotFoundError,
  UnsettledTurnsError,
} from './chat-store-errors.ts';
import { toPostgresJson, toPostgresText } from './postgres-json.ts';
import { type MessageRow, single, type TurnRow, toTurn, turnColumns } from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';
import { type ConversationRow, toConversation } from './sql-conversation.ts';

const startTurnCall = 'start_turn($1, $2, $3, $4::json, $5::json, $6, $7, $8, $9)';

/**
 * `start_turn`, and with the conversation the session then holds (`session_conversation`, whose
 * fresh snapshot sees what `start_turn` wrote in this statement; called only for a created turn).
 */
const startTurnSql = {
  alone: `SELECT outcome, (turn).* FROM ${startTurnCall}`,
  withConversation: `SELECT started.outcome, (started.turn).*, conversation.messages,
      conversation.pending_messages
    FROM ${startTurnCall} AS started
    LEFT JOIN LATERAL session_conversation(CASE WHEN started.outcome = 'created' THEN $1 END)
      AS conversation ON true`,
};

/**
 * ChatStore.startTurn as ONE statement (`start_turn`, migration 0010), with `withConversation`
 * too: the PGlite thread and a pooled connection serve a new message in one round trip instead of
 * four (BEGIN, store, read, COMMIT).
 */
export async function startTurnIn(
  client: SqlClient,
  input: StartTurnInput,
): Promise<StartTurnResult> {
  const message = input.userMessage;
  const [, , , parts, metadata] = messageParams(input.sessionId, message);
  const rows = await client.query<TurnRow & { outcome: string } & Partial<ConversationRow>>(
    input.withConversation ? startTurnSql.withConversation : startTurnSql.alone,
    [
      input.sessionId,
      message.id,
      message.role,
      parts,
      metadata,
      input.turnId,
      input.assistantMessageId,
      input.title === undefined ? null : toPostgresText(input.title),
      input.onlyIfSettled === true,
    ],
  );
  const row = single(rows);
  switch (row.outcome) {
    case 'missing':
      throw new SessionNotFoundError(input.sessionId);
    case 'unsettled':
      throw new UnsettledTurnsError(input.sessionId);
    case 'conflict':
      throw new MessageIdConflictError(message.id);
    case 'existing':
      return { created: false, turn: toTurn(row) };
  }
  const turn = toTurn(row);
  const { messages, pending_messages } = row;
  if (messages === undefined || pending_messages === undefined) return { created: true, turn };
  return { created: true, turn, conversation: toConversation({ messages, pending_messages }) };
}

/** SQL condition: the session (its id at `session`) has a queued or running turn. */
export function unsettledTurnSql(session: string): string {
  return `EXISTS (SELECT 1 FROM turns
    WHERE turns.session_id = ${session} AND turns.status IN ('queued', 'running'))`;
}

/**
 * The newest turn that answers the session's message `messageId` (a regenerated message has
 * several), or with `as: 'answer'` whose answer it is (an answer continued after approvals has
 * several), or null.
 */
export async function latestTurnOf(
  client: SqlClient,
  sessionId: string,
  messageId: string,
  as: 'question' | 'answer' = 'question',
): Promise<StoredTurn | null> {
  const column = as === 'question' ? 'user_message_id' : 'assistant_message_id';
  const rows = await client.query<TurnRow>(
    `SELECT ${turnColumns} FROM turns WHERE session_id = $1 AND ${column} = $2
     ORDER BY created_at DESC, id DESC LIMIT 1`,
    [sessionId, messageId],
  );
  return rows[0] === undefined ? null : toTurn(rows[0]);
}

/** The session's message `messageId`; message ids are unique within a session only. */
export async function findMessage(
  transaction: SqlClient,
  sessionId: string,
  messageId: string,
): Promise<MessageRow | undefined> {
  const rows = await transaction.query<MessageRow>(
    'SELECT id, session_id, role, parts, metadata FROM messages WHERE session_id = $1 AND id = $2',
    [sessionId, messageId],
  );
  return rows[0];
}

/**
 * Appends a message after the session's last one, its values at parameters `first` to `first + 4`
 * (see `messageParams`); the caller holds the session lock, so no other writer takes the same
 * sequence number.
 */
export function insertMessageSql(first: number): string {
  const [id, session, role, parts, metadata] = parameters(first, 5);
  return `INSERT INTO messages (id, session_id, sequence, role, parts, metadata)
    SELECT ${id}, ${session}, coalesce(max(sequence), 0) + 1, ${role}, ${parts}::json, ${metadata}::json
    FROM messages WHERE session_id = ${session} RETURNING id`;
}

/**
 * Rewrites a stored message in place, keeping its position; parameters as `insertMessageSql`.
 * No parts keep the stored ones: a continued turn that ended with nothing left to fold (its log
 * lost) must not erase the answer it continued.
 */
export function updateMessageSql(first: number): string {
  const [id, session, role, parts, metadata] = parameters(first, 5);
  return `UPDATE messages SET metadata = ${metadata}::json,
      parts = CASE WHEN json_array_length(${parts}::json) = 0 THEN parts ELSE ${parts}::json END
    WHERE id = ${id} AND session_id = ${session} AND role = ${role} RETURNING id`;
}

/** The five values of a message for `insertMessageSql` and `updateMessageSql`. */
export function messageParams(sessionId: string, message: UIMessage): unknown[] {
  return [
    message.id,
    sessionId,
    message.role,
    toPostgresJson(message.parts),
    message.metadata === undefined ? null : toPostgresJson(message.metadata),
  ];
}

/**
 * finishTurn's writes as one statement: the turn's outcome and usage, the session's usage totals
 * and activity time, and the assistant message (`messageSql`, given parameter 11 onwards).
 * Parameters: $1 turn id, $2 session id, $3 status, $4 error, $5–$7 the turn's input, output and
 * total tokens, $8–$10 the same counts added to the session. (An answer that needs nothing else
 * read ends through `finish_turn`, migration 0009, instead.)
 */
export function finishTurnSql(messageSql: (first: number) => string): string {
  return `WITH message AS (${messageSql(11)}),
    finished AS (
      UPDATE turns SET status = $3, error = $4, input_tokens = $5, output_tokens = $6,
        total_tokens = $7, finished_at = clock_timestamp()
      WHERE id = $1
    ),
    touched AS (
      UPDATE sessions SET input_tokens = input_tokens + $8, output_tokens = output_tokens + $9,
        total_tokens = total_tokens + $10, updated_at = clock_timestamp()
      WHERE id = $2
    )
    SELECT 1`;
}

/** `$first`, `$first+1`, … (`count` of them). */
function parameters(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `$${first + index}`);
}
