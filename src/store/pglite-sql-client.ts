import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, parse, protocol, type Results } from '@electric-sql/pglite';
import { openNewPglite } from './pglite-data-dir-template.ts';
import { PreparedStatementNames } from './prepared-statement-names.ts';
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
 *
 * A statement with params is parsed once, as a named prepared statement, and then only bound and
 * executed: parsing and planning were most of the cost of the store's small statements, and
 * PGlite runs them on the one thread every store call waits for. Postgres re-plans a prepared
 * statement itself when the tables it reads change or `search_path` points elsewhere.
 */
export function pgliteSqlClient(database: PGlite): SqlClient {
  let queue: Promise<unknown> = Promise.resolve();
  /** Runs `work` once everything issued before it has finished. */
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };
  const statements = new PreparedStatementNames();
  /**
   * The name of `sql` prepared, parsing it first if it is new; null when it runs unnamed. A
   * statement that fails to parse is not kept: the error is the caller's, as it would have been
   * unnamed.
   */
  const prepared = async (sql: string): Promise<string | null> => {
    const known = statements.known(sql);
    if (known !== undefined) return known;
    const name = statements.create(sql);
    if (name === null) return null;
    const parseMessage = concatenate([
      protocol.serialize.parse({ name, text: sql }),
      protocol.serialize.sync(),
    ]);
    try {
      await database.execProtocol(parseMessage, { syncToFs: false });
    } catch (error) {
      statements.forget(sql);
      throw error;
    }
    return name;
  };
  /** The result of the last statement in `sql`; files are synced unless a transaction is open. */
  const execute = async (
    sql: string,
    params: readonly unknown[] = [],
    inTransaction = false,
  ): Promise<Results | undefined> => {
    const syncToFs = !inTransaction;
    if (params.length === 0) {
      const { messages } = await database.execProtocol(protocol.serialize.query(sql), { syncToFs });
      return parse.parseResults(messages, database.parsers).at(-1);
    }
    const name = await prepared(sql);
    try {
      const { messages } = await database.execProtocol(executeMessage(sql, name, params), {
        syncToFs,
      });
      return parse.parseResults(messages, database.parsers).at(-1);
    } catch (error) {
      if (name === null || !statements.forgetAfter(sql, error)) throw error;
      // Alone, the statement can run again prepared anew; in a transaction, the failure has
      // already aborted it.
      if (inTransaction) throw error;
      return execute(sql, params);
    }
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

/**
 * Bind, describe, execute and sync in one message, for the prepared statement `name` (or, when
 * null, `sql` parsed unnamed in the same message); `null` and `undefined` become NULL.
 */
function executeMessage(sql: string, name: string | null, params: readonly unknown[]): Uint8Array {
  return concatenate([
    ...(name === null ? [protocol.serialize.parse({ text: sql })] : []),
    protocol.serialize.bind({ statement: name ?? '', values: params.map(parameterText) }),
    protocol.serialize.describe({ type: 'P' }),
    protocol.serialize.execute({}),
    protocol.serialize.sync(),
  ]);
}

function concatenate(parts: Uint8Array[]): Uint8Array {
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
