/**
 * The tiny SQL port the one ChatStore implementation is written against. Postgres dialect, `$1` params.
 *
 * Rows come back with the driver's parsing: `json` and `jsonb` as values, `timestamptz` as `Date`, `integer`
 * as `number`, but `bigint` may be a `string` (pg) or a `number` (PGlite); convert with `Number()`.
 * Errors carry the Postgres SQLSTATE in `code` (e.g. `23505` for a unique violation).
 */
export interface SqlClient {
  /**
   * Runs one statement with `params`. Without params, `sql` may hold several statements (the
   * simple query protocol, used for migrations); the rows of the last one are returned.
   */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /**
   * Runs `work` in one transaction on one connection; rolls back if it throws. Use only the
   * client handed to `work` inside it. Called on that client, nests as a savepoint.
   */
  transaction<T>(work: (transaction: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
