import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createPgliteSqlClient } from './pglite-sql-client.ts';
import type { SqlClient } from './sql-client.ts';

// Statements with params run as prepared statements, parsed once per SQL text: these are the
// cases where a statement prepared earlier could answer differently from one parsed anew.
describe('PGlite SqlClient prepared statements', () => {
  let client: SqlClient;
  let schemaCount = 0;
  const numbersAbove = (minimum: number) =>
    client.query<{ n: number }>('SELECT * FROM numbers WHERE n > $1 ORDER BY n', [minimum]);

  before(async () => {
    client = await createPgliteSqlClient();
  });
  after(async () => {
    await client.close();
  });

  /** A fresh schema with `numbers` holding `values`, made current. */
  async function useNewSchema(values: number[]): Promise<void> {
    schemaCount += 1;
    await client.query(
      `CREATE SCHEMA prepared_${schemaCount}; SET search_path TO prepared_${schemaCount};
       CREATE TABLE numbers (n integer NOT NULL);
       INSERT INTO numbers VALUES ${values.map((value) => `(${value})`).join(', ')}`,
    );
  }

  it('reads the tables of the schema search_path names now, not where it was first run', async () => {
    await useNewSchema([1, 2, 3]);
    assert.deepEqual(await numbersAbove(1), [{ n: 2 }, { n: 3 }]);
    await useNewSchema([10, 20]);
    assert.deepEqual(await numbersAbove(1), [{ n: 10 }, { n: 20 }]);
  });

  it('fails a statement that does not parse the same way every time', async () => {
    await useNewSchema([1]);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await assert.rejects(client.query('SELEC n FROM numbers WHERE n = $1', [1]), {
        code: '42601',
      });
    }
  });

  it('keeps a statement first run in a transaction that rolled back', async () => {
    await useNewSchema([1, 2]);
    const sql = 'SELECT n FROM numbers WHERE n >= $1 ORDER BY n';
    await assert.rejects(
      client.transaction(async (transaction) => {
        await transaction.query(sql, [2]);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.deepEqual(await client.query(sql, [1]), [{ n: 1 }, { n: 2 }]);
  });

  it('answers with a changed table that no longer fits the prepared statement', async () => {
    await useNewSchema([1, 2]);
    assert.deepEqual(await numbersAbove(1), [{ n: 2 }]);
    await client.query('ALTER TABLE numbers ADD COLUMN label text');
    assert.deepEqual(await numbersAbove(1), [{ n: 2, label: null }]);
  });

  it('answers with a changed table from the next statement when a transaction met it', async () => {
    await useNewSchema([1, 2]);
    assert.deepEqual(await numbersAbove(1), [{ n: 2 }]);
    await client.query('ALTER TABLE numbers ADD COLUMN label text');
    // Postgres will not change the result of a prepared statement: this transaction fails…
    await assert.rejects(
      client.transaction((transaction) =>
        transaction.query('SELECT * FROM numbers WHERE n > $1 ORDER BY n', [1]),
      ),
      { code: '0A000' },
    );
    // …and the statement is prepared anew for the next one.
    const rows = await client.transaction((transaction) =>
      transaction.query('SELECT * FROM numbers WHERE n > $1 ORDER BY n', [1]),
    );
    assert.deepEqual(rows, [{ n: 2, label: null }]);
  });
});
