import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createPgliteSqlClient } from './pglite-sql-client.ts';
import { createPostgresSqlClient } from './postgres-sql-client.ts';
import { SqlChatStore } from './sql-chat-store.ts';
import type { SqlClient } from './sql-client.ts';
import { endOfHistory, messagePageSql } from './sql-message-page.ts';

const connectionString = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Scan Direction'?: string;
  'Actual Rows': number;
  Plans?: PlanNode[];
}

/** The scans of an `EXPLAIN (ANALYZE, FORMAT JSON)` plan, outermost first. */
function scansOf(node: PlanNode): PlanNode[] {
  const own = node['Node Type'].endsWith('Scan') ? [node] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scansOf)];
}

const adapters: {
  name: string;
  open: () => Promise<{ client: SqlClient; drop(): Promise<void> }>;
}[] = [
  {
    name: 'PGlite',
    open: async () => {
      const client = await createPgliteSqlClient();
      return { client, drop: () => client.close() };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const schema = `message_page_test_${randomBytes(6).toString('hex')}`;
      const client = await createPostgresSqlClient({ connectionString, schema, maxConnections: 2 });
      return {
        client,
        drop: async () => {
          await client.query(`DROP SCHEMA "${schema}" CASCADE`);
          await client.close();
        },
      };
    },
  },
];

for (const adapter of adapters) {
  describe(`message pages on ${adapter.name}`, () => {
    it('reads a page of a 2,000-message session through the index, touching one page of rows', async () => {
      const { client, drop } = await adapter.open();
      try {
        const store = await SqlChatStore.open(client);
        const long = await store.createSession({ userId: 'alice' });
        const neighbour = await store.createSession({ userId: 'alice' });
        // Rows written directly: the plan depends on the table's shape, not on how rows arrived.
        for (const [sessionId, count] of [
          [long.id, 2000],
          [neighbour.id, 500],
        ] as const) {
          await client.query(
            `INSERT INTO messages (id, session_id, sequence, role, parts)
             SELECT $1 || '-' || n, $1, n, 'user', '[{"type":"text","text":"hello"}]'::jsonb
             FROM generate_series(1, $2::integer) AS n`,
            [sessionId, count],
          );
        }
        await client.query('ANALYZE messages');
        for (const cursor of [endOfHistory, 1000, 60]) {
          const [result] = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
            `EXPLAIN (ANALYZE, FORMAT JSON) ${messagePageSql}`,
            [long.id, cursor, 51],
          );
          const plan = result?.['QUERY PLAN'][0].Plan;
          assert.ok(plan, 'EXPLAIN returned a plan');
          // A backward index scan that stops after the page, or, this close to the first message,
          // a bitmap scan of the few rows left; never a scan of the session's whole history.
          for (const scan of scansOf(plan)) {
            assert.equal(
              scan['Index Name'] ?? 'messages_session_id_sequence_key',
              'messages_session_id_sequence_key',
            );
            assert.notEqual(
              scan['Node Type'],
              'Seq Scan',
              `before ${cursor}: ${JSON.stringify(plan)}`,
            );
            assert.ok(
              scan['Actual Rows'] <= 60,
              `before ${cursor}: read ${scan['Actual Rows']} rows`,
            );
          }
        }
        const page = await store.listMessagePage(long.id, { limit: 50, beforeSequence: 1000 });
        assert.deepEqual(
          page.messages.map((message) => message.id),
          Array.from({ length: 50 }, (_, index) => `${long.id}-${950 + index}`),
        );
        assert.equal(page.oldestSequence, 950);
        assert.equal(page.hasMore, true);
      } finally {
        await drop();
      }
    });
  });
}
