import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SqlClient } from './sql-client.ts';

const migrationsFolder = join(import.meta.dirname, 'migrations');
const migrationFileName = /^(\d{4})-[\w-]+\.sql$/;

export interface Migration {
  /** The file name, e.g. `0001-initial.sql`; recorded in `schema_migrations`. */
  name: string;
  sql: string;
}

/** The numbered `.sql` files of `migrations/`, in the order they apply. */
export async function readMigrations(folder: string = migrationsFolder): Promise<Migration[]> {
  const names = (await readdir(folder)).filter((name) => migrationFileName.test(name)).sort();
  const numbers = names.map((name) => name.slice(0, 4));
  const duplicate = numbers.find((number, index) => numbers.indexOf(number) !== index);
  if (duplicate !== undefined) {
    throw new Error(`two migrations share the number ${duplicate} in ${folder}`);
  }
  return Promise.all(
    names.map(async (name) => ({ name, sql: await readFile(join(folder, name), 'utf8') })),
  );
}

/**
 * Brings the schema in the client's `search_path` up to date: applies every migration not yet
 * recorded in `schema_migrations`, in order, each in its own transaction together with its
 * record. Processes that migrate at the same time queue on a transaction-scoped advisory lock
 * keyed by the schema, so each migration applies exactly once.
 */
export async function migrate(client: SqlClient, migrations?: Migration[]): Promise<void> {
  for (const migration of migrations ?? (await readMigrations())) {
    await client.transaction(async (transaction) => {
      await transaction.query(
        `SELECT pg_advisory_xact_lock(hashtextextended('durable-chat.migrate.' || current_schema(), 0))`,
      );
      // Created under the lock: a concurrent CREATE TABLE IF NOT EXISTS can still fail.
      await transaction.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name text PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
         )`,
      );
      const applied = await transaction.query('SELECT 1 FROM schema_migrations WHERE name = $1', [
        migration.name,
      ]);
      if (applied.length > 0) return;
      await transaction.query(migration.sql);
      await transaction.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.name]);
    });
  }
}
