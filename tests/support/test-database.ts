import { randomBytes } from 'node:crypto';
import pg from 'pg';

const adminDatabaseUrl =
  process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A database of its own on the local PostgreSQL, for product processes a test starts with
 * `DATABASE_URL`. Its name and URL are known at once (a suite can hand them to a process it
 * registers); `create` and `drop` make and remove it.
 */
export class TestDatabase {
  readonly name: string;
  readonly url: string;

  constructor(prefix = 'dc_test') {
    this.name = `${prefix}_${randomBytes(4).toString('hex')}`;
    this.url = withDatabase(adminDatabaseUrl, this.name);
  }

  create(): Promise<void> {
    return adminQuery(`CREATE DATABASE ${this.name}`);
  }

  /** Drops it even while processes are still connected. */
  drop(): Promise<void> {
    return adminQuery(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }

  /** One statement on this database (for setting up what no route can, e.g. old timestamps). */
  async query(sql: string, params: unknown[] = []): Promise<void> {
    await withClient(this.url, (client) => client.query(sql, params));
  }
}

/** One statement on the server's admin database (CREATE or DROP DATABASE). */
async function adminQuery(sql: string): Promise<void> {
  await withClient(adminDatabaseUrl, (client) => client.query(sql));
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function withClient(
  connectionString: string,
  use: (client: pg.Client) => Promise<unknown>,
): Promise<void> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}
