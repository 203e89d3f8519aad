/**
 * The names of one database client's prepared statements, by SQL text, for both SQL adapters.
 * The store's statements are a fixed set written in its code, so the names stay few; past
 * `maxPrepared` (SQL built from data would be a bug) a statement runs unnamed.
 *
 * Postgres re-plans a prepared statement itself when the tables it reads change, except when its
 * result type would change (a migration by another process): it then refuses the statement with
 * SQLSTATE 0A000. `forgetAfter` drops the name on that error, so the next call prepares the
 * statement anew under a new name (a name is never reused, so no connection mistakes the old one
 * for it).
 */
export class PreparedStatementNames {
  static readonly maxPrepared = 500;
  readonly #names = new Map<string, string>();
  #created = 0;

  /** The name `sql` is prepared under, if it is. */
  known(sql: string): string | undefined {
    return this.#names.get(sql);
  }

  /** A new name for `sql` (kept until `forgetAfter`), or null once `maxPrepared` are named. */
  create(sql: string): string | null {
    if (this.#names.size >= PreparedStatementNames.maxPrepared) return null;
    this.#created += 1;
    const name = `durable_chat_${this.#created}`;
    this.#names.set(sql, name);
    return name;
  }

  /** Drops `sql`'s name: its next call prepares it anew. */
  forget(sql: string): void {
    this.#names.delete(sql);
  }

  /** Drops `sql`'s name when `error` is a refused cached plan; returns whether it did. */
  forgetAfter(sql: string, error: unknown): boolean {
    if ((error as { code?: unknown } | null)?.code !== stalePlanCode) return false;
    return this.#names.delete(sql);
  }
}

/** `feature_not_supported`, as raised for "cached plan must not change result type". */
const stalePlanCode = '0A000';
