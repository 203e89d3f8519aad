import pg from 'pg';
import { PreparedStatementNames } from './prepared-statement-names.ts';
import type { SqlClient } from './sql-client.ts';
import {
  assertCommitted,
  createTransactionClient,
  type QueryFunction,
} from './transaction-client.ts';

export interface PostgresSqlClientOptions {
  connectionString: string;
  /** Every connection works in this schema (`search_path`); created if missing. */
  schema?: string;
  /** Pool size; 10 when absent. */
  maxConnections?: number;
}

const schemaName = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * PostgreSQL through a `pg.Pool`. Connects once before returning, so a wrong URL or a server that
 * is down fails at start with the host in the message (never the password).
 */
export async function createPostgresSqlClient(
  options: PostgresSqlClientOptions,
): Promise<SqlClient> {
  const { schema } = options;
  if (schema !== undefined && !schemaName.test(schema)) {
    throw new Error(
      `invalid schema name ${JSON.stringify(schema)}: use lowercase letters, digits and _`,
    );
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle connection that breaks (server restart) is dropped by the pool; the next query opens
  // a new one or reports the failure. Without a listener, the event would crash the process.
  pool.on('error', () => {});
  const server = describeServer(options.connectionString);
  const connect = async (): Promise<pg.PoolClient> => {
    try {
      return await pool.connect();
    } catch (error) {
      throw new Error(`cannot connect to PostgreSQL at ${server}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  };
  const statements = new PreparedStatementNames();
  try {
    await withConnection(connect, statements, async (query) => {
      if (schema === undefined) await query('SELECT 1');
      else await createSchema(query, schema);
    });
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    query: (sql, params) => withConnection(connect, statements, (query) => query(sql, params)),
    async transaction(work) {
      const connection = await connect();
      const transaction = createTransactionClient(connectionQuery(connection, statements, true));
      let broken: Error | undefined;
      try {
        await connection.query('BEGIN');
        const result = await work(transaction.client);
        assertCommitted((await connection.query('COMMIT')).command);
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch((rollbackError: Error) => {
          broken = rollbackError;
        });
        throw error;
      } finally {
        transaction.end();
        connection.release(broken);
      }
    },
    close() {
      closing ??= pool.end();
      return closing;
    },
  };
}

async function withConnection<T>(
  connect: () => Promise<pg.PoolClient>,
  statements: PreparedStatementNames,
  use: (query: QueryFunction) => Promise<T>,
): Promise<T> {
  const connection = await connect();
  let broken: Error | undefined;
  try {
    return await use(connectionQuery(connection, statements, false));
  } catch (error) {
    // A server-side error leaves the connection usable; anything else may not.
    if (!(error instanceof pg.DatabaseError)) broken = error as Error;
    throw error;
  } finally {
    connection.release(broken);
  }
}

/**
 * Several statements (no params) return one result each: the rows of the last are the answer.
 * A statement with params runs as a named prepared statement (`statements`), which each
 * connection parses and plans once and then only binds and executes: the store's statements are
 * small, so parsing and planning were a large share of what PostgreSQL spent on them. A plan
 * PostgreSQL refuses after a table changed shape is prepared anew: at once for a statement alone;
 * in a transaction, which that failure has aborted, on its next call.
 */
function connectionQuery(
  connection: pg.PoolClient,
  statements: PreparedStatementNames,
  inTransaction: boolean,
): QueryFunction {
  const run = async <Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> => {
    const name = params === undefined ? null : (statements.known(sql) ?? statements.create(sql));
    let result: pg.QueryResult | pg.QueryResult[];
    try {
      result = await connection.query(
        params === undefined
          ? sql
          : { text: sql, values: [...params], ...(name === null ? {} : { name }) },
      );
    } catch (error) {
      if (name === null || !statements.forgetAfter(sql, error) || inTransaction) throw error;
      return run(sql, params);
    }
    const last = Array.isArray(result) ? result.at(-1) : result;
    return (last?.rows ?? []) as Row[];
  };
  return run;
}

async function createSchema(query: QueryFunction, schema: string): Promise<void> {
  try {
    await query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    // Two processes creating it at once: the loser sees a duplicate, and the schema exists.
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}

function describeServer(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the configured address (not a URL)';
  }
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(messageOf).join('; ');
  }
  return error instanceof Error && error.message !== '' ? error.message : String(error);
}
