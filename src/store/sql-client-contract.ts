import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SqlClient } from './sql-client.ts';

/**
 * What the ChatStore relies on from every `SqlClient` adapter. `createClient` returns a client on
 * an empty, private schema or database; `cleanup` removes it.
 */
export function runSqlClientContract(
  adapterName: string,
  createClient: () => Promise<{ client: SqlClient; cleanup: () => Promise<void> }>,
): void {
  const test = (name: string, body: (client: SqlClient) => Promise<void>) =>
    it(name, async () => {
      const { client, cleanup } = await createClient();
      try {
        await client.query('CREATE TABLE numbers (n integer NOT NULL)');
        await body(client);
      } finally {
        await cleanup();
      }
    });
  const numbers = async (client: SqlClient) =>
    (await client.query<{ n: number }>('SELECT n FROM numbers ORDER BY n')).map((row) => row.n);

  describe(`SqlClient contract: ${adapterName}`, () => {
    test('commits what a transaction wrote and returns its result', async (client) => {
      const result = await client.transaction(async (transaction) => {
        await transaction.query('INSERT INTO numbers VALUES ($1), ($2)', [1, 2]);
        return 'done';
      });
      assert.equal(result, 'done');
      assert.deepEqual(await numbers(client), [1, 2]);
    });

    test('rolls back everything a failed transaction wrote', async (client) => {
      const failure = new Error('abort');
      await assert.rejects(
        client.transaction(async (transaction) => {
          await transaction.query('INSERT INTO numbers VALUES (1)');
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.deepEqual(await numbers(client), []);
    });

    test('fails a transaction whose work swallowed the error of one of its statements, and writes nothing', async (client) => {
      await assert.rejects(
        client.transaction(async (transaction) => {
          await transaction.query('INSERT INTO numbers VALUES (1)');
          await transaction.query('INSERT INTO numbers VALUES (NULL)').catch(() => undefined);
          return 'looked fine';
        }),
        /rolled back/,
      );
      assert.deepEqual(await numbers(client), []);
    });

    test('rolls a failed nested transaction back to its savepoint only', async (client) => {
      await client.transaction(async (transaction) => {
        await transaction.query('INSERT INTO numbers VALUES (1)');
        await assert.rejects(
          transaction.transaction(async (nested) => {
            await nested.query('INSERT INTO numbers VALUES (2)');
            await nested.query('INSERT INTO numbers VALUES (NULL)');
          }),
          (error: { code?: string }) => error.code === '23502',
        );
        await transaction.query('INSERT INTO numbers VALUES (3)');
      });
      assert.deepEqual(await numbers(client), [1, 3]);
    });

    test('runs several statements without params and returns the rows of the last', async (client) => {
      const rows = await client.query(
        'INSERT INTO numbers VALUES (7); SELECT n * 2 AS doubled FROM numbers',
      );
      assert.deepEqual(rows, [{ doubled: 14 }]);
    });

    test('keeps a query issued during a transaction out of that transaction', async (client) => {
      for (let round = 0; round < 5; round += 1) {
        let open: () => void = () => {};
        const gate = new Promise<void>((resolve) => {
          open = resolve;
        });
        let inside: () => void = () => {};
        const started = new Promise<void>((resolve) => {
          inside = resolve;
        });
        const rolledBack = client.transaction(async (transaction) => {
          await transaction.query('INSERT INTO numbers VALUES (1)');
          inside();
          await gate;
          throw new Error('roll back');
        });
        await started;
        const outside = client.query('INSERT INTO numbers VALUES (2)');
        setTimeout(open, round * 3);
        await assert.rejects(rolledBack, /roll back/);
        await outside;
      }
      assert.deepEqual(await numbers(client), [2, 2, 2, 2, 2]);
    });

    test('refuses a query through a transaction client once its transaction ended', async (client) => {
      let leaked: SqlClient | undefined;
      await client.transaction(async (transaction) => {
        leaked = transaction;
      });
      assert.ok(leaked !== undefined);
      await assert.rejects(
        leaked.query('INSERT INTO numbers VALUES (1)'),
        /transaction already ended/,
      );
      assert.deepEqual(await numbers(client), []);
    });

    test('reports unique violations with their SQLSTATE code', async (client) => {
      await client.query('CREATE UNIQUE INDEX numbers_n ON numbers (n)');
      await client.query('INSERT INTO numbers VALUES (1)');
      await assert.rejects(client.query('INSERT INTO numbers VALUES ($1)', [1]), {
        code: '23505',
      });
    });
  });
}
