import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { migrate, readMigrations } from './migrate.ts';
import { createPostgresSqlClient } from './postgres-sql-client.ts';
import { SqlChatStore } from './sql-chat-store.ts';
import type { SqlClient } from './sql-client.ts';
import { runMigrationContract } from './migration-contract.ts';
import { runSqlClientContract } from './sql-client-contract.ts';
import { runChatStoreContract } from './store-contract.ts';
import { pause } from './store-contract-support.ts';

// A missing PostgreSQL fails these tests: a contract that silently skips proves nothing.
const connectionString = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

// Opened by the first cleanup, not in a `before` hook: without a server every test then fails
// on its own with the connection error, rather than being cancelled.
let admin: Promise<SqlClient> | undefined;

after(async () => {
  const client = await admin?.catch(() => undefined);
  await client?.close();
});

function randomSchema(): string {
  return `chat_store_test_${randomBytes(6).toString('hex')}`;
}

async function dropSchema(schema: string): Promise<void> {
  admin ??= createPostgresSqlClient({ connectionString, maxConnections: 2 });
  await (await admin).query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** A client on a fresh schema of its own; `cleanup` drops the schema. */
async function schemaClient(
  maxConnections = 4,
): Promise<{ client: SqlClient; cleanup: () => Promise<void> }> {
  const schema = randomSchema();
  const client = await createPostgresSqlClient({ connectionString, schema, maxConnections });
  return {
    client,
    cleanup: async () => {
      await client.close();
      await dropSchema(schema);
    },
  };
}

runSqlClientContract('PostgreSQL', () => schemaClient());

runMigrationContract('PostgreSQL', () => schemaClient());

runChatStoreContract('PostgreSQL', async () => {
  const schema = randomSchema();
  const client = await createPostgresSqlClient({ connectionString, schema, maxConnections: 8 });
  const store = await SqlChatStore.open(client);
  return {
    store,
    cleanup: async () => {
      await client.close();
      await dropSchema(schema);
    },
  };
});

describe('PostgreSQL adapter', () => {
  it('applies each migration once when two processes migrate a fresh schema at once', async () => {
    const expected = (await readMigrations()).map((migration) => migration.name);
    for (let round = 0; round < 10; round += 1) {
      const schema = randomSchema();
      const clients = await Promise.all(
        [1, 2].map(() => createPostgresSqlClient({ connectionString, schema, maxConnections: 2 })),
      );
      try {
        await Promise.all(
          clients.map(async (client) => {
            await pause(randomInt(0, 4));
            await migrate(client);
          }),
        );
        await migrate(clients[1] as SqlClient);
        const applied = await clients[0]?.query<{ name: string }>(
          'SELECT name FROM schema_migrations ORDER BY name',
        );
        assert.deepEqual(
          applied?.map((row) => row.name),
          expected,
        );
      } finally {
        await Promise.all(clients.map((client) => client.close()));
        await dropSchema(schema);
      }
    }
  });

  it('keeps each schema to itself', async () => {
    const schemas = [randomSchema(), randomSchema()];
    const clients = await Promise.all(
      schemas.map((schema) => createPostgresSqlClient({ connectionString, schema })),
    );
    try {
      const [first, second] = await Promise.all(clients.map((client) => SqlChatStore.open(client)));
      const session = await first?.createSession({ userId: 'alice' });
      assert.equal(await second?.getSession(session?.id ?? ''), null);
      assert.equal((await first?.getSession(session?.id ?? ''))?.userId, 'alice');
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(schemas.map(dropSchema));
    }
  });

  it('prepares a statement with params once per connection, and runs it by name after', async () => {
    const { client, cleanup } = await schemaClient(1);
    try {
      for (const value of [1, 2, 3]) {
        assert.deepEqual(await client.query('SELECT $1::int AS n', [value]), [{ n: value }]);
      }
      const prepared = await client.query<{ statement: string }>(
        `SELECT statement FROM pg_prepared_statements WHERE name LIKE 'durable_chat_%'`,
      );
      assert.deepEqual(prepared, [{ statement: 'SELECT $1::int AS n' }]);
    } finally {
      await cleanup();
    }
  });

  it('answers a prepared statement whose table changed shape since it was prepared', async () => {
    const { client, cleanup } = await schemaClient(1);
    try {
      await client.query('CREATE TABLE shapes (a int)');
      await client.query('INSERT INTO shapes VALUES (1)');
      const read = () => client.query('SELECT * FROM shapes WHERE a = $1', [1]);
      assert.deepEqual(await read(), [{ a: 1 }]);
      await client.query('ALTER TABLE shapes ADD COLUMN b int DEFAULT 2');
      assert.deepEqual(await read(), [{ a: 1, b: 2 }]);
      assert.deepEqual(await read(), [{ a: 1, b: 2 }]);
      // Prepared anew under a new name (the refused one stays on the connection), not unnamed.
      const prepared = await client.query<{ name: string }>(
        `SELECT name FROM pg_prepared_statements WHERE statement = 'SELECT * FROM shapes WHERE a = $1'`,
      );
      assert.equal(prepared.length, 2);
    } finally {
      await cleanup();
    }
  });

  it('names the host but never the password when it cannot connect', async () => {
    const unreachable = 'postgres://postgres:s3cret-password@127.0.0.1:1/test';
    await assert.rejects(
      createPostgresSqlClient({ connectionString: unreachable }),
      (error: Error) => {
        assert.match(error.message, /127\.0\.0\.1:1\/test/);
        assert.doesNotMatch(error.message, /s3cret-password/);
        return true;
      },
    );
  });

  it('rejects a schema name it would have to quote', async () => {
    await assert.rejects(
      createPostgresSqlClient({ connectionString, schema: 'x"; DROP SCHEMA public; --' }),
      /invalid schema name/,
    );
  });
});
