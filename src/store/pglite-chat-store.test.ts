import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChatStore } from './chat-store.ts';
import {
  MessageIdConflictError,
  SessionNotFoundError,
  UnsettledTurnsError,
} from './chat-store-errors.ts';
import { openPgliteChatStore } from './pglite-chat-store.ts';
import { createPgliteSqlClient } from './pglite-sql-client.ts';
import { SqlChatStore } from './sql-chat-store.ts';
import type { SqlClient } from './sql-client.ts';
import { runMigrationContract } from './migration-contract.ts';
import { runSqlClientContract } from './sql-client-contract.ts';
import { runChatStoreContract } from './store-contract.ts';
import { assistantMessage, turnInput, userMessage } from './store-contract-support.ts';

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

runMigrationContract('PGlite (in memory)', async () => {
  const client = await schemaClient();
  return { client, cleanup: () => client.close() };
});

runChatStoreContract('PGlite (in memory)', async () => {
  const client = await schemaClient();
  const store = await SqlChatStore.open(client);
  return { store, cleanup: () => client.close() };
});

describe('PGlite SqlClient', () => {
  it('rejects a transaction whose work carried on after a failed statement, writing nothing', async () => {
    const client = await schemaClient();
    try {
      await client.query('CREATE TABLE numbers (n integer NOT NULL)');
      await assert.rejects(
        client.transaction(async (transaction) => {
          await transaction.query('INSERT INTO numbers VALUES (1)');
          await transaction.query('INSERT INTO numbers VALUES (NULL)').catch(() => undefined);
        }),
        /rolled back/,
      );
      assert.deepEqual(await client.query('SELECT n FROM numbers'), []);
    } finally {
      await client.close();
    }
  });
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
    const first = await openPgliteChatStore({ dataDir: folder });
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

    const reopened = await openPgliteChatStore({ dataDir: folder });
    try {
      assert.deepEqual(await reopened.getSession(session.id), stored);
      assert.deepEqual(await reopened.listMessages(session.id), [message]);
      assert.equal((await reopened.getTurn('turn-1'))?.status, 'queued');
    } finally {
      await reopened.close();
    }
  });

  it('refuses to open where the data folder cannot be created, saying why', async () => {
    const file = join(dataDir, 'a-file');
    await writeFile(file, 'not a folder');
    await assert.rejects(openPgliteChatStore({ dataDir: join(file, 'database') }), {
      code: 'ENOTDIR',
    });
  });
});

describe('PGlite store on its worker thread', () => {
  let store: ChatStore | undefined;
  before(async () => {
    store = await openPgliteChatStore();
  });
  after(async () => {
    await store?.close();
  });
  const opened = (): ChatStore => {
    if (store === undefined) throw new Error('the store did not open');
    return store;
  };

  it('answers every call with the values an in-thread store returns (dates as Dates)', async () => {
    const threaded = opened();
    const session = await threaded.createSession({ userId: 'alice' });
    assert.ok(session.createdAt instanceof Date);
    const question = userMessage('How far is the moon?');
    const input = turnInput(session.id, question);
    const started = await threaded.startTurn(input);
    assert.equal(started.created, true);
    assert.equal(await threaded.markTurnRunning(input.turnId), true);
    const answer = assistantMessage(input.assistantMessageId, 'About 384,400 km.');
    assert.equal(
      await threaded.finishTurn({
        turnId: input.turnId,
        status: 'completed',
        error: null,
        assistantMessage: answer,
        usage: { inputTokens: 5, outputTokens: 7, totalTokens: 12 },
      }),
      true,
    );
    assert.deepEqual(await threaded.listMessages(session.id), [question, answer]);
    const turn = await threaded.getTurn(input.turnId);
    assert.equal(turn?.status, 'completed');
    assert.ok(turn?.finishedAt instanceof Date);
    assert.deepEqual((await threaded.getSession(session.id))?.usage, {
      inputTokens: 5,
      outputTokens: 7,
      totalTokens: 12,
    });
  });

  it("rejects with the store's own error classes and SQLSTATE codes", async () => {
    const threaded = opened();
    const missing = randomUUID();
    await assert.rejects(
      threaded.startTurn(turnInput(missing, userMessage('anyone there?'))),
      (error) => error instanceof SessionNotFoundError && error.sessionId === missing,
    );
    const first = await threaded.createSession({ userId: null });
    const message = userMessage('mine');
    await threaded.startTurn(turnInput(first.id, message));
    // The same id for a message of another role in the same session.
    const answer = assistantMessage(message.id, 'not a question');
    await assert.rejects(
      threaded.startTurn(turnInput(first.id, answer)),
      (error) => error instanceof MessageIdConflictError && error.messageId === message.id,
    );
    await assert.rejects(
      threaded.startTurn({ ...turnInput(first.id, userMessage('later')), onlyIfSettled: true }),
      (error) => error instanceof UnsettledTurnsError && error.sessionId === first.id,
    );
    await assert.rejects(threaded.createSession({ id: first.id, userId: null }), {
      code: '23505',
    });
    // A rejected call leaves the thread serving.
    assert.equal((await threaded.getSession(first.id))?.id, first.id);
  });

  it('starts one turn for many concurrent sends of the same message', async () => {
    const threaded = opened();
    for (let round = 0; round < 5; round += 1) {
      const session = await threaded.createSession({ userId: null });
      const message = userMessage(`round ${round}`);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => threaded.startTurn(turnInput(session.id, message))),
      );
      assert.equal(results.filter((result) => result.created).length, 1);
      assert.equal(new Set(results.map((result) => result.turn.id)).size, 1);
      assert.deepEqual(await threaded.listMessages(session.id), [message]);
    }
  });

  it('refuses calls once closed', async () => {
    const closing = await openPgliteChatStore();
    await closing.close();
    await assert.rejects(closing.getSession('any'), /closed/);
    await closing.close();
  });

  it('lets an idle process exit, but not while a call is in flight', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'durable-chat-pglite-exit-'));
    const script = join(folder, 'call-then-exit.mjs');
    const storeModule = new URL('./pglite-chat-store.ts', import.meta.url).href;
    await writeFile(
      script,
      [
        `import { openPgliteChatStore } from ${JSON.stringify(storeModule)};`,
        'const store = await openPgliteChatStore();',
        "store.createSession({ id: 'kept-alive', userId: null }).then((session) => {",
        '  process.stdout.write(session.id);',
        '});',
      ].join('\n'),
    );
    try {
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [script], { timeout: 60_000 }, (error, out) =>
          error ? reject(error) : resolve(out),
        );
      });
      assert.equal(stdout, 'kept-alive');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
