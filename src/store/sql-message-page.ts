import type { MessagePage, MessagePageOptions } from './chat-store.ts';
import { type MessageRow, toMessage } from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';

/** Above every sequence number (`messages.sequence` is an `integer`): "before the end". */
export const endOfHistory = 2_147_483_647;

/** $1 session id, $2 the exclusive cursor, $3 how many rows (null: all), the newest first. */
export const messagePageSql = `SELECT id, session_id, role, parts, metadata, sequence FROM messages
  WHERE session_id = $1 AND sequence < $2
  ORDER BY sequence DESC LIMIT $3`;

/**
 * ChatStore.listMessagePage: walks the `(session_id, sequence)` unique index backwards from the
 * cursor and stops after `limit + 1` rows; the extra row only says whether an older page exists.
 * The cursor is always a bound (never `$2 IS NULL OR …`), so it stays an index condition; a
 * null limit (`LIMIT NULL` is no limit) reads the whole history the same way.
 */
export async function readMessagePage(
  client: SqlClient,
  sessionId: string,
  options: MessagePageOptions,
): Promise<MessagePage> {
  const { limit, beforeSequence } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new RangeError(`page limit ${limit} is not a whole number of at least 1`);
  }
  if (beforeSequence !== undefined && !Number.isInteger(beforeSequence)) {
    throw new RangeError(`beforeSequence ${beforeSequence} is not an integer`);
  }
  const rows = await client.query<MessageRow & { sequence: number }>(messagePageSql, [
    sessionId,
    Math.min(beforeSequence ?? endOfHistory, endOfHistory),
    limit === undefined ? null : limit + 1,
  ]);
  const page = rows.slice(0, limit ?? rows.length).reverse();
  return {
    messages: page.map(toMessage),
    oldestSequence: page[0] === undefined ? null : Number(page[0].sequence),
    hasMore: limit !== undefined && rows.length > limit,
  };
}
