import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import type { SqlClient } from './sql-client.ts';
import { createTransactionClient, type QueryFunction } from './transaction-client.ts';

export interface PgliteSqlClientOptions {
  /** A folder for the database files (created if missing); in memory when absent. */
  dataDir?: string;
}

/** Embedded Postgres (PGlite, WASM): on disk in `dataDir`, else in memory. */
export async function createPgliteSqlClient(
  options: PgliteSqlClientOptions = {},
): Promise<SqlClient> {
  if (options.dataDir !== undefined) await mkdir(options.dataDir, { recursive: true });
  const database =
    options.dataDir === undefined ? await PGlite.create() : await PGlite.create(options.dataDir);
  return pgliteSqlClient(database);
}

/**
 * A `SqlClient` over an open PGlite; closing the client closes the database. PGlite is one
 * connection: its own mutex queues every `query` issued outside a running `transaction` until that
 * transaction ends, so they never interleave into it.
 */
export function pgliteSqlClient(database: PGlite): SqlClient {
  let closing: Promise<void> | undefined;
  return {
    query: queryFunction(database),
    async transaction(work) {
      return database.transaction(async (pgliteTransaction) => {
        const transaction = createTransactionClient(queryFunction(pgliteTransaction));
        try {
          return await work(transaction.client);
        } finally {
          transaction.end();
        }
      });
    },
    close() {
      closing ??= database.close();
      return closing;
    },
  };
}

/** Without params, the simple protocol (several statements allowed); with, the extended one. */
function queryFunction(target: PGlite | Transaction): QueryFunction {
  return async <Row>(sql: string, params?: readonly unknown[]) => {
    if (params === undefined || params.length === 0) {
      const results = await target.exec(sql);
      return (results.at(-1)?.rows ?? []) as Row[];
    }
    const result = await target.query<Row>(sql, [...params]);
    return result.rows;
  };
}
