import type { ContextSummary } from './chat-store.ts';
import { toPostgresText } from './postgres-json.ts';
import type { SqlClient } from './sql-client.ts';

/** SQLSTATE of a foreign key violation: the session went between the check and the write. */
const foreignKeyViolation = '23503';

/** ChatStore.getContextSummary. */
export async function readContextSummary(
  client: SqlClient,
  sessionId: string,
): Promise<ContextSummary | null> {
  const rows = await client.query<{ through_message_id: string; text: string }>(
    'SELECT through_message_id, text FROM context_summaries WHERE session_id = $1',
    [sessionId],
  );
  const row = rows[0];
  return row === undefined ? null : { throughMessageId: row.through_message_id, text: row.text };
}

/** ChatStore.saveContextSummary: one statement, so it needs no transaction of its own. */
export async function writeContextSummary(
  client: SqlClient,
  sessionId: string,
  summary: ContextSummary,
): Promise<boolean> {
  try {
    const rows = await client.query(
      `INSERT INTO context_summaries (session_id, through_message_id, text)
       SELECT id, $2, $3 FROM sessions WHERE id = $1
       ON CONFLICT (session_id) DO UPDATE SET through_message_id = excluded.through_message_id,
         text = excluded.text, updated_at = clock_timestamp()
       RETURNING session_id`,
      [sessionId, toPostgresText(summary.throughMessageId), toPostgresText(summary.text)],
    );
    return rows.length > 0;
  } catch (error) {
    if ((error as { code?: unknown }).code === foreignKeyViolation) return false;
    throw error;
  }
}
