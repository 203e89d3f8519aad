import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPgliteSqlClient } from './pglite-sql-client.ts';
import { SqlChatStore } from './sql-chat-store.ts';
import type { SqlClient } from './sql-client.ts';
import { runSqlClientContract } from './sql-client-contract.ts';
import { runChatStoreContract } from './store-contract.ts';
import { userMessage } from './store-contract-support.ts';

// Creating a PGlite runs initdb (seconds) and even loading a snapshot takes half a second, so
// both contracts share one in-memory database and give every test a schema of its own. The tests
// of a file run one at a time, which is what makes the per-test `search_path` safe.
let shared: SqlClient | undefined;
let schemaCount = 0;

before(async () => {
  shared = await createPgliteSqlClient();
});

after(async () => {
  await shared?.close();
});

/** The shared database seen through a fresh schema; `close` drops the schema, not the database. */
async function schemaClient(): Promise<SqlClient> {
  const database = shared;
  if (database === undefined) throw new Error('the shared PGlite did not start');
  schemaCount += 1;
  const schema = `contract_${schemaCount}`;
  await database.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  let closed = false;
  const refuseWhenClosed = () => {
    if (closed) throw new Error('client closed');
  };
  return {
    query: async (sql, params) => {
      refuseWhenClosed();
      return database.query(sql, params);
    },
    transaction: async (work) => {
      refuseWhenClosed();
      return database.transaction(work);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await database.query(`DROP SCHEMA ${schema} CASCADE; SET search_path TO public`);
    },
  };
}

runSqlClientContract('PGlite (in memory)', async () => {
  const client = await schemaClient();
  return { client, cleanup: () => client.close() };
});

runChatStoreContract('PGlite (in memory)', async () => {
  const client = await schemaClient();
  const store = await SqlChatStore.open(client);
  return { store, cleanup: () => client.close() };
});

describe('PGlite on disk', () => {
  let dataDir = '';
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'durable-chat-pglite-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps sessions and messages across close and reopen', async () => {
    const folder = join(dataDir, 'nested', 'database');
    const first = await SqlChatStore.open(await createPgliteSqlClient({ dataDir: folder }));
    const session = await first.createSession({ userId: 'alice' });
    const message = userMessage('still here after a restart?');
    await first.startTurn({
      sessionId: session.id,
      userMessage: message,
      turnId: 'turn-1',
      assistantMessageId: 'assistant-1',
    });
    const stored = await first.getSession(session.id);
    await first.close();

    const reopened = await SqlChatStore.open(await createPgliteSqlClient({ dataDir: folder }));
    try {
      assert.deepEqual(await reopened.getSession(session.id), stored);
      assert.deepEqual(await reopened.listMessages(session.id), [message]);
      assert.equal((await reopened.getTurn('turn-1'))?.status, 'queued');
    } finally {
      await reopened.close();
    }
  });
});
