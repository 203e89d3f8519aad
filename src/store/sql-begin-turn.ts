import type { UIMessage } from 'ai';
import type { BeganTurn, BeginTurnInput, PendingMode } from './chat-store.ts';
import { type MessageRow, single, toMessage } from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';

/**
 * $1 turn id, $2 session id. `markTurnRunning`, `listMessages` and `listPendingMessages` as ONE
 * statement: the history and the waiting messages come back as JSON arrays, oldest first. One
 * round trip and one pooled connection per turn start instead of three, which under load decides
 * how long a turn waits for its first token. `json` columns keep their text inside the arrays, so
 * parts and metadata read back exactly as written.
 */
const beginTurnSql = `WITH marked AS (
    UPDATE turns SET status = 'running', started_at = clock_timestamp()
    WHERE id = $1 AND status = 'queued' RETURNING id
  )
  SELECT EXISTS (SELECT 1 FROM marked) AS running,
    (SELECT coalesce(json_agg(history ORDER BY history.sequence), '[]'::json) FROM (
      SELECT id, session_id, role, parts, metadata, sequence FROM messages WHERE session_id = $2
    ) history) AS messages,
    (SELECT coalesce(json_agg(waiting ORDER BY waiting.sequence), '[]'::json) FROM (
      SELECT session_id, message, mode, created_at, sequence FROM pending_messages
      WHERE session_id = $2 AND taken_by_turn_id IS NULL
    ) waiting) AS pending_messages`;

interface BeganTurnRow {
  running: boolean;
  messages: MessageRow[];
  pending_messages: {
    session_id: string;
    message: UIMessage;
    mode: PendingMode;
    /** ISO 8601, as JSON carries a timestamptz. */
    created_at: string;
  }[];
}

/** ChatStore.beginTurn in one statement (see `beginTurnSql`). */
export async function beginTurnIn(client: SqlClient, input: BeginTurnInput): Promise<BeganTurn> {
  const row = single(
    await client.query<BeganTurnRow>(beginTurnSql, [input.turnId, input.sessionId]),
  );
  return {
    running: row.running,
    messages: row.messages.map(toMessage),
    pendingMessages: row.pending_messages.map((pending) => ({
      sessionId: pending.session_id,
      message: pending.message,
      mode: pending.mode,
      createdAt: new Date(pending.created_at),
    })),
  };
}
