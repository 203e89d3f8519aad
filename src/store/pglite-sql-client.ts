import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, parse, protocol } from '@electric-sql/pglite';
import { openNewPglite } from './pglite-data-dir-template.ts';
import type { SqlClient } from './sql-client.ts';
import {
  assertCommitted,
  createTransactionClient,
  type QueryFunction,
} from './transaction-client.ts';

export interface PgliteSqlClientOptions {
  /** A folder for the database files (created if missing); in memory when absent. */
  dataDir?: string;
}

/**
 * Embedded Postgres (PGlite, WASM): on disk in `dataDir`, else in memory. A new database starts from
 * the dump of a fresh one (`openNewPglite`) instead of running initdb.
 */
export async function createPgliteSqlClient(
  options: PgliteSqlClientOptions = {},
): Promise<SqlClient> {
  const { dataDir } = options;
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  const isNew = dataDir === undefined || !existsSync(join(dataDir, 'PG_VERSION'));
  if (!isNew) return pgliteSqlClient(await PGlite.create({ dataDir }));
  return pgliteSqlClient(await openNewPglite(dataDir));
}

/**
 * A `SqlClient` over an open PGlite, which it must be the only user of; closing the client closes
 * the database. PGlite is one connection: a query issued outside a running transaction waits until
 * that transaction ends, so it never interleaves into it.
 *
 * Statements go to Postgres as wire-protocol messages, one call each: PGlite's own `query` makes
 * six calls into WASM per statement (parse, describe, bind, describe, execute, sync) to learn the
 * parameter types before serialising the values. Here the values go as text with unspecified
 * types, which Postgres infers from the statement exactly as it does for that describe.
 */
export function pgliteSqlClient(database: PGlite): SqlClient {
  let queue: Promise<unknown> = Promise.resolve();
  /** Runs `work` once everything issued before it has finished. */
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };
  /** The result of the last statement in `sql`; files are synced unless a transaction is open. */
  const execute = async (sql: string, params: readonly unknown[] = [], inTransaction = false) => {
    const message =
      params.length === 0 ? protocol.serialize.query(sql) : extendedQuery(sql, params);
    const { messages } = await database.execProtocol(message, { syncToFs: !inTransaction });
    return parse.parseResults(messages, database.parsers).at(-1);
  };
  const statement: QueryFunction = async <Row>(sql: string, params?: readonly unknown[]) =>
    ((await execute(sql, params))?.rows ?? []) as Row[];
  const transactionStatement: QueryFunction = async <Row>(
    sql: string,
    params?: readonly unknown[],
  ) => ((await execute(sql, params, true))?.rows ?? []) as Row[];
  let closing: Promise<void> | undefined;
  return {
    query: (sql, params) => exclusive(() => statement(sql, params)),
    transaction: (work) =>
      exclusive(async () => {
        await transactionStatement('BEGIN');
        const transaction = createTransactionClient(transactionStatement);
        let result: Awaited<ReturnType<typeof work>>;
        try {
          result = await work(transaction.client);
        } catch (error) {
          transaction.end();
          await statement('ROLLBACK');
          throw error;
        }
        transaction.end();
        assertCommitted((await execute('COMMIT'))?.command);
        return result;
      }),
    close() {
      closing ??= exclusive(() => database.close());
      return closing;
    },
  };
}

/** Parse, bind, describe, execute and sync in one message; `null` and `undefined` become NULL. */
function extendedQuery(sql: string, params: readonly unknown[]): Uint8Array {
  const parts = [
    protocol.serialize.parse({ text: sql }),
    protocol.serialize.bind({ values: params.map(parameterText) }),
    protocol.serialize.describe({ type: 'P' }),
    protocol.serialize.execute({}),
    protocol.serialize.sync(),
  ];
  const message = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    message.set(part, offset);
    offset += part.length;
  }
  return message;
}

function parameterText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}
