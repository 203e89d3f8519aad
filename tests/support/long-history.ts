import { join } from 'node:path';
import { createPgliteSqlClient } from '../../src/store/pglite-sql-client.ts';
import { SqlChatStore } from '../../src/store/sql-chat-store.ts';
import type { SqlClient } from '../../src/store/sql-client.ts';

/** A seeded session: its id and its message ids, oldest first. */
export interface SeededSession {
  id: string;
  messageIds: string[];
}

const question = 'how does a durable turn survive a reload, and what does the reader see after it?';
const answer =
  'The turn runs on a worker, not inside the request. Every chunk it writes gets a position ' +
  'in the log, so a reader that comes back asks for what came after its last position and ' +
  'sees the answer continue where it was, once, without gaps.';

/**
 * Writes sessions with long histories (`lengths` messages each, alternating question and answer)
 * into the PGlite database of a product's `DATA_DIR`, before the product starts: thousands of
 * messages in a second, where running that many turns would take many minutes. The schema and
 * the sessions come from the real store; the messages are rows as the store writes them, in one
 * statement, so the product reads them exactly as it reads its own.
 */
export async function seedLongSessions(
  dataDir: string,
  lengths: number[],
): Promise<SeededSession[]> {
  const client = await createPgliteSqlClient({ dataDir: join(dataDir, 'pglite') });
  try {
    const store = await SqlChatStore.open(client);
    const sessions: SeededSession[] = [];
    for (const [index, length] of lengths.entries()) {
      const session = await store.createSession({ userId: null });
      await store.renameSession(session.id, `A chat of ${length} messages (${index + 1})`);
      await insertLongHistory(client, session.id, length);
      sessions.push({
        id: session.id,
        messageIds: Array.from({ length }, (_, position) => `${session.id}-${position + 1}`),
      });
    }
    return sessions;
  } finally {
    await client.close();
  }
}

/**
 * Appends `length` messages (alternating question and answer, ids `<sessionId>-<n>`) to an empty
 * session through `client`, as the store writes them, in one statement.
 */
export async function insertLongHistory(
  client: SqlClient,
  sessionId: string,
  length: number,
): Promise<void> {
  await client.query(
    `INSERT INTO messages (id, session_id, sequence, role, parts, metadata)
     SELECT $1 || '-' || n, $1, n,
       CASE WHEN n % 2 = 1 THEN 'user' ELSE 'assistant' END,
       CASE WHEN n % 2 = 1
         THEN jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'Question ' || n || ': ' || $2))
         ELSE jsonb_build_array(jsonb_build_object('type', 'text', 'state', 'done', 'text', 'Answer ' || n || '. ' || $3))
       END,
       CASE WHEN n % 2 = 0 THEN '{"finishReason": "stop"}'::jsonb END
     FROM generate_series(1, $4::integer) AS n`,
    [sessionId, question, answer, length],
  );
}
