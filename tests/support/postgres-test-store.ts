import { randomBytes } from 'node:crypto';
import type { ChatStore } from '../../src/store/chat-store.ts';
import { createPostgresSqlClient } from '../../src/store/postgres-sql-client.ts';
import { SqlChatStore } from '../../src/store/sql-chat-store.ts';

// A missing PostgreSQL fails the tests that use it: a test that silently skips proves nothing.
const connectionString = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresTestStore {
  store: ChatStore;
  /** Drops the schema; call after the store is closed (e.g. by the test server's runtime). */
  drop(): Promise<void>;
}

/** A ChatStore on the local PostgreSQL, in a fresh schema of its own. */
export async function openPostgresTestStore(): Promise<PostgresTestStore> {
  const schema = `e2e_${randomBytes(6).toString('hex')}`;
  const client = await createPostgresSqlClient({ connectionString, schema, maxConnections: 4 });
  return {
    store: await SqlChatStore.open(client),
    async drop() {
      const admin = await createPostgresSqlClient({ connectionString, maxConnections: 1 });
      try {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await admin.close();
      }
    },
  };
}
