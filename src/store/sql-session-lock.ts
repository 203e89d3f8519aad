import type { SqlClient } from './sql-client.ts';

/**
 * Row-locks the session until the transaction ends, so its messages and follow-ups have one
 * writer at a time. False if the session does not exist.
 */
export async function lockSession(transaction: SqlClient, sessionId: string): Promise<boolean> {
  const rows = await transaction.query('SELECT id FROM sessions WHERE id = $1 FOR UPDATE', [
    sessionId,
  ]);
  return rows.length > 0;
}
