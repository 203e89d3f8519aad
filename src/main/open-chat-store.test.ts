import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { TestDatabase } from '../../tests/support/test-database.ts';
import { waitFor } from '../../tests/support/wait-for.ts';
import { loadConfig } from '../config.ts';
import { openChatStore } from './open-chat-store.ts';

describe('openChatStore on PostgreSQL', () => {
  const database = new TestDatabase('dc_pool');
  before(() => database.create());
  after(() => database.drop());

  /** Connections the database has from anyone: only the store under test uses it. */
  async function connectionsToDatabase(): Promise<number> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ count: string }>(
        'SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database.name],
      );
      return Number(rows[0]?.count);
    } finally {
      await client.end();
    }
  }

  it('opens at most DATABASE_POOL_SIZE connections, however many calls wait', async () => {
    for (const poolSize of [2, 5]) {
      const config = loadConfig({
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: String(poolSize),
      });
      const { store } = await openChatStore(config);
      try {
        await Promise.all(Array.from({ length: 30 }, () => store.ping()));
        // A backend of the previous pool may linger for a moment after its client left.
        await waitFor(async () => (await connectionsToDatabase()) === poolSize, {
          message: `the pool of ${poolSize} holds ${poolSize} connections`,
        });
      } finally {
        await store.close();
      }
    }
  });
});
