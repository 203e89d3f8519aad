import type { UIMessage } from 'ai';
import type { BeganTurn, BeginTurnInput, Conversation, PendingMode } from './chat-store.ts';
import { type MessageRow, single, toMessage } from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';

/**
 * SQL select list: `listMessages` and `listPendingMessages` of the session whose id is at
 * `session` (a parameter like `$2`) as two JSON arrays, oldest first. One statement instead of
 * two; `json` columns keep their text inside the arrays, so parts and metadata read back exactly
 * as written.
 */
function conversationColumns(session: string): string {
  return `(SELECT coalesce(json_agg(history ORDER BY history.sequence), '[]'::json) FROM (
      SELECT id, session_id, role, parts, metadata, sequence FROM messages
      WHERE session_id = ${session}
    ) history) AS messages,
    (SELECT coalesce(json_agg(waiting ORDER BY waiting.sequence), '[]'::json) FROM (
      SELECT session_id, message, mode, created_at, sequence FROM pending_messages
      WHERE session_id = ${session} AND taken_by_turn_id IS NULL
    ) waiting) AS pending_messages`;
}

/**
 * $1 turn id, $2 session id: `markTurnRunning` and the conversation as ONE statement. One round
 * trip and one pooled connection per turn start instead of three, which under load decides how
 * long a turn waits for its first token.
 */
const beginTurnSql = `WITH marked AS (
    UPDATE turns SET status = 'running', started_at = clock_timestamp()
    WHERE id = $1 AND status = 'queued' RETURNING id
  )
  SELECT EXISTS (SELECT 1 FROM marked) AS running, ${conversationColumns('$2')}`;

/** $1 session id. */
const conversationSql = `SELECT ${conversationColumns('$1')}`;

interface ConversationRow {
  messages: MessageRow[];
  pending_messages: {
    session_id: string;
    message: UIMessage;
    mode: PendingMode;
    /** ISO 8601, as JSON carries a timestamptz. */
    created_at: string;
  }[];
}

function toConversation(row: ConversationRow): Conversation {
  return {
    messages: row.messages.map(toMessage),
    pendingMessages: row.pending_messages.map((pending) => ({
      sessionId: pending.session_id,
      message: pending.message,
      mode: pending.mode,
      createdAt: new Date(pending.created_at),
    })),
  };
}

/** ChatStore.beginTurn in one statement (see `beginTurnSql`). */
export async function beginTurnIn(client: SqlClient, input: BeginTurnInput): Promise<BeganTurn> {
  const row = single(
    await client.query<ConversationRow & { running: boolean }>(beginTurnSql, [
      input.turnId,
      input.sessionId,
    ]),
  );
  return { running: row.running, ...toConversation(row) };
}

/** A session's messages and waiting messages, read in one statement. */
export async function readConversation(
  client: SqlClient,
  sessionId: string,
): Promise<Conversation> {
  return toConversation(single(await client.query<ConversationRow>(conversationSql, [sessionId])));
}
