import type { UIMessage } from 'ai';
import type { BeganTurn, BeginTurnInput, Conversation, PendingMode } from './chat-store.ts';
import { type MessageRow, single, toMessage } from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';

/**
 * $1 turn id, $2 session id: `markTurnRunning` and the conversation as ONE statement. One round
 * trip and one pooled connection per turn start instead of three, which under load decides how
 * long a turn waits for its first token.
 */
const beginTurnSql = `WITH marked AS (
    UPDATE turns SET status = 'running', started_at = clock_timestamp()
    WHERE id = $1 AND status = 'queued' RETURNING id
  )
  SELECT EXISTS (SELECT 1 FROM marked) AS running, conversation.*
  FROM session_conversation($2) AS conversation`;

export interface ConversationRow {
  messages: MessageRow[];
  pending_messages: {
    session_id: string;
    message: UIMessage;
    mode: PendingMode;
    /** ISO 8601, as JSON carries a timestamptz. */
    created_at: string;
  }[];
}

export function toConversation(row: ConversationRow): Conversation {
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
