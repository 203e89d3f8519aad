import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import { runFileStoreContract } from './file-store-contract.ts';
import { createPostgresSqlClient } from './postgres-sql-client.ts';
import type { SqlClient } from './sql-client.ts';
import { SqlFileStore } from './sql-file-store.ts';

// A missing PostgreSQL fails these tests: a contract that silently skips proves nothing.
const connectionString = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// Opened by the first cleanup, not in a `before` hook: without a server every test then fails
// on its own with the connection error, rather than being cancelled.
let admin: Promise<SqlClient> | undefined;

after(async () => {
  const client = await admin?.catch(() => undefined);
  await client?.close();
});

runFileStoreContract('PostgreSQL', async () => {
  const schema = `file_store_test_${randomBytes(6).toString('hex')}`;
  const client = await createPostgresSqlClient({ connectionString, schema, maxConnections: 4 });
  const store = await SqlFileStore.open(client);
  return {
    store,
    cleanup: async () => {
      await store.close();
      admin ??= createPostgresSqlClient({ connectionString, maxConnections: 2 });
      await (await admin).query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
  };
});
