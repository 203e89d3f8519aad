import type { SqlClient } from './sql-client.ts';

export type QueryFunction = <Row = Record<string, unknown>>(
  sql: string,
  params?: readonly unknown[],
) => Promise<Row[]>;

/**
 * The `SqlClient` handed to a transaction's work, over the query function of the connection that
 * holds the transaction. Nested `transaction` calls become savepoints (one at a time). Once the
 * adapter calls `end()` (after COMMIT or ROLLBACK), every further query is refused, so a stray
 * query from finished work can never run outside its transaction.
 */
export function createTransactionClient(query: QueryFunction): {
  client: SqlClient;
  end: () => void;
} {
  let ended = false;
  let savepointCount = 0;
  const guardedQuery: QueryFunction = (sql, params) => {
    if (ended) {
      return Promise.reject(new Error('the transaction already ended; query through its owner'));
    }
    return query(sql, params);
  };
  const client: SqlClient = {
    query: guardedQuery,
    async transaction(work) {
      savepointCount += 1;
      const savepoint = `nested_${savepointCount}`;
      await guardedQuery(`SAVEPOINT ${savepoint}`);
      try {
        const result = await work(client);
        await guardedQuery(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        await guardedQuery(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw error;
      }
    },
    close() {
      return Promise.reject(new Error('close the client that started the transaction'));
    },
  };
  return {
    client,
    end: () => {
      ended = true;
    },
  };
}

/**
 * Throws when COMMIT was answered with the command tag ROLLBACK: Postgres does that when a
 * statement of the transaction failed and the work carried on regardless. Nothing was written,
 * so the caller must not think it was.
 */
export function assertCommitted(commitCommandTag: string | undefined): void {
  if (commitCommandTag === 'ROLLBACK') {
    throw new Error('the transaction was rolled back: one of its statements failed');
  }
}
