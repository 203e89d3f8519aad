import { randomUUID } from 'node:crypto';
import type { UIMessage } from 'ai';
import type {
  AddPendingMessageInput,
  AddPendingMessageResult,
  AssignUserResult,
  BeganTurn,
  BeginTurnInput,
  ChatStore,
  ContextSummary,
  EndOperationInput,
  EndOperationResult,
  FinishTurnInput,
  LimitScope,
  ListSessionsOptions,
  MessagePage,
  MessagePageOptions,
  Operation,
  PendingMessage,
  Session,
  StartOperationInput,
  StartOperationResult,
  StartApprovalTurnInput,
  StartReplacementTurnInput,
  StartTurnInput,
  StartTurnResult,
  StoredTurn,
  StoredTurnStatus,
} from './chat-store.ts';
import { MessageIdConflictError } from './chat-store-errors.ts';
import { migrate } from './migrate.ts';
import { toPostgresJson, toPostgresText } from './postgres-json.ts';
import {
  type BigintValue,
  type SessionRow,
  sessionColumns,
  single,
  type TurnRow,
  toSession,
  toTurn,
  turnColumns,
} from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';
import { beginTurnIn } from './sql-conversation.ts';
import { readContextSummary, writeContextSummary } from './sql-context-summaries.ts';
import { readMessagePage } from './sql-message-page.ts';
import {
  endOperationIn,
  getOperation,
  listOperationsOfSession,
  listOverdueOperations,
  markOperationRunning,
  startOperationIn,
  withEndedOperations,
} from './sql-operations.ts';
import {
  addPendingMessageIn,
  countPendingMessages,
  countUnfinishedTurns,
  listPendingMessages,
  listSessionsWithPendingMessages,
  releaseTakenMessages,
  takeSteeredMessages,
} from './sql-pending-messages.ts';
import {
  finishTurnSql,
  insertMessageSql,
  messageParams,
  latestTurnOf,
  startTurnIn,
  updateMessageSql,
} from './sql-turn-writes.ts';
import { startReplacementTurnIn } from './sql-replacement-turn.ts';
import { startApprovalTurnIn } from './sql-approval-turn.ts';

const uniqueViolation = '23505';

/**
 * The one ChatStore: plain Postgres SQL over the `SqlClient` port. Writes that touch a session's
 * messages lock the session row first (`FOR UPDATE`), so sequence numbers are assigned one writer
 * at a time and never collide. `updated_at` tracks conversation activity (starting and finishing
 * turns); renaming, titling and claiming a session do not reorder the session list.
 */
export class SqlChatStore implements ChatStore {
  readonly #client: SqlClient;

  constructor(client: SqlClient) {
    this.#client = client;
  }

  /** Migrates the client's schema, then returns a store over it. */
  static async open(client: SqlClient): Promise<SqlChatStore> {
    await migrate(client);
    return new SqlChatStore(client);
  }

  async createSession(input: { id?: string; userId: string | null }): Promise<Session> {
    const rows = await this.#client.query<SessionRow>(
      `INSERT INTO sessions (id, user_id) VALUES ($1, $2) RETURNING ${sessionColumns}`,
      [input.id ?? randomUUID(), input.userId],
    );
    return toSession(single(rows));
  }

  async getSession(id: string): Promise<Session | null> {
    const rows = await this.#client.query<SessionRow>(
      `SELECT ${sessionColumns} FROM sessions WHERE id = $1`,
      [id],
    );
    return rows[0] === undefined ? null : toSession(rows[0]);
  }

  async listSessions(
    options: ListSessionsOptions,
  ): Promise<{ sessions: Session[]; total: number }> {
    const conditions = [options.userId === null ? 'user_id IS NULL' : 'user_id = $1'];
    const params: unknown[] = options.userId === null ? [] : [options.userId];
    const search = options.search?.trim() ?? '';
    if (search !== '') {
      params.push(`%${escapeLikePattern(toPostgresText(search))}%`);
      conditions.push(matchesSearch(`$${params.length}`));
    }
    const where = conditions.join(' AND ');
    const next = params.length + 1;
    const [rows, counts] = await Promise.all([
      this.#client.query<SessionRow>(
        `SELECT ${sessionColumns} FROM sessions WHERE ${where}
         ORDER BY updated_at DESC, id DESC LIMIT $${next} OFFSET $${next + 1}`,
        [...params, options.limit, options.offset],
      ),
      this.#client.query<{ total: BigintValue }>(
        `SELECT count(*) AS total FROM sessions WHERE ${where}`,
        params,
      ),
    ]);
    return { sessions: rows.map(toSession), total: Number(single(counts).total) };
  }

  async renameSession(id: string, title: string): Promise<boolean> {
    const rows = await this.#client.query(
      'UPDATE sessions SET title = $2 WHERE id = $1 RETURNING id',
      [id, toPostgresText(title)],
    );
    return rows.length > 0;
  }

  async replaceTitle(id: string, expected: string, title: string): Promise<boolean> {
    const rows = await this.#client.query(
      'UPDATE sessions SET title = $3 WHERE id = $1 AND title = $2 RETURNING id',
      [id, toPostgresText(expected), toPostgresText(title)],
    );
    return rows.length > 0;
  }

  async setTitleIfUnset(id: string, title: string): Promise<boolean> {
    const rows = await this.#client.query(
      'UPDATE sessions SET title = $2 WHERE id = $1 AND title IS NULL RETURNING id',
      [id, toPostgresText(title)],
    );
    return rows.length > 0;
  }

  async deleteSession(id: string): Promise<boolean> {
    const rows = await this.#client.query('DELETE FROM sessions WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async assignUser(id: string, userId: string): Promise<AssignUserResult> {
    const claimed = await this.#client.query(
      'UPDATE sessions SET user_id = $2 WHERE id = $1 AND user_id IS NULL RETURNING id',
      [id, userId],
    );
    if (claimed.length > 0) return 'assigned';
    // An owner, once set, never changes back to null, so this read cannot see an unowned row.
    const rows = await this.#client.query<{ user_id: string | null }>(
      'SELECT user_id FROM sessions WHERE id = $1',
      [id],
    );
    if (rows[0] === undefined) return 'not-found';
    return rows[0].user_id === userId ? 'already-yours' : 'owned-by-another';
  }

  async listMessages(sessionId: string): Promise<UIMessage[]> {
    return (await readMessagePage(this.#client, sessionId, {})).messages;
  }

  listMessagePage(sessionId: string, options: MessagePageOptions): Promise<MessagePage> {
    return readMessagePage(this.#client, sessionId, options);
  }

  getContextSummary(sessionId: string): Promise<ContextSummary | null> {
    return readContextSummary(this.#client, sessionId);
  }

  saveContextSummary(sessionId: string, summary: ContextSummary): Promise<boolean> {
    return writeContextSummary(this.#client, sessionId, summary);
  }

  async startTurn(input: StartTurnInput): Promise<StartTurnResult> {
    try {
      return await startTurnIn(this.#client, input);
    } catch (error) {
      // Belt and braces: whatever path a duplicate took to a unique violation, the turn that won
      // is the answer to a retried POST.
      if (!isUniqueViolation(error)) throw error;
      const existing = await latestTurnOf(this.#client, input.sessionId, input.userMessage.id);
      if (existing === null) throw error;
      return { created: false, turn: existing };
    }
  }

  startReplacementTurn(input: StartReplacementTurnInput): Promise<StartTurnResult> {
    return this.#client.transaction((transaction) => startReplacementTurnIn(transaction, input));
  }

  startApprovalTurn(input: StartApprovalTurnInput): Promise<StartTurnResult> {
    return this.#client.transaction((transaction) => startApprovalTurnIn(transaction, input));
  }

  async discardTurn(turnId: string): Promise<boolean> {
    return this.#client.transaction(async (transaction) => {
      // Locked while still queued, so what it took is given back only if it really goes (the
      // turn's row would take the follow-ups with it: see 0005).
      const queued = await transaction.query(
        `SELECT id FROM turns WHERE id = $1 AND status = 'queued' FOR UPDATE`,
        [turnId],
      );
      if (queued.length === 0) return false;
      await releaseTakenMessages(transaction, turnId);
      const rows = await transaction.query<{ session_id: string; user_message_id: string }>(
        'DELETE FROM turns WHERE id = $1 RETURNING session_id, user_message_id',
        [turnId],
      );
      const discarded = single(rows);
      // A message answered before (this was a replacement turn) stays: it is not this turn's.
      await transaction.query(
        `DELETE FROM messages WHERE session_id = $1 AND id = $2
         AND NOT EXISTS (
           SELECT 1 FROM turns WHERE turns.session_id = $1 AND turns.user_message_id = $2
         )`,
        [discarded.session_id, discarded.user_message_id],
      );
      return true;
    });
  }

  async markTurnRunning(turnId: string): Promise<boolean> {
    const rows = await this.#client.query(
      `UPDATE turns SET status = 'running', started_at = clock_timestamp()
       WHERE id = $1 AND status = 'queued' RETURNING id`,
      [turnId],
    );
    return rows.length > 0;
  }

  beginTurn(input: BeginTurnInput): Promise<BeganTurn> {
    return beginTurnIn(this.#client, input);
  }

  async finishTurn(input: FinishTurnInput): Promise<boolean> {
    const sent = input.assistantMessage;
    // Tool calls and steering messages need the operations and follow-ups read in the
    // transaction; any other answer ends in one call (`finish_turn`, migration 0009).
    if (sent === null || !sent.parts.some(needsFinishingTransaction)) {
      return this.#finishInOneCall(input);
    }
    return this.#client.transaction(async (transaction) => {
      // Session before turn, as in startTurn, so the two never deadlock. A missing turn, or a
      // session deleted meanwhile (it took the turn with it): nothing to finish.
      const sessions = await transaction.query<{ id: string }>(
        `SELECT sessions.id FROM turns JOIN sessions ON sessions.id = turns.session_id
         WHERE turns.id = $1 FOR UPDATE OF sessions`,
        [input.turnId],
      );
      if (sessions[0] === undefined) return false;
      const sessionId = sessions[0].id;
      // The session lock keeps every writer of its messages out, so the message read here stays
      // as it is until this transaction ends.
      const turns = await transaction.query<{
        status: StoredTurnStatus;
        message_id: string;
        message_role: string | null;
      }>(
        `SELECT turns.status, turns.assistant_message_id AS message_id,
           messages.role AS message_role
         FROM turns LEFT JOIN messages ON messages.session_id = turns.session_id
           AND messages.id = turns.assistant_message_id
         WHERE turns.id = $1 FOR UPDATE OF turns`,
        [input.turnId],
      );
      const turn = turns[0];
      if (turn === undefined || (turn.status !== 'queued' && turn.status !== 'running')) {
        return false;
      }
      const usage = input.usage;
      const finish = [
        input.turnId,
        sessionId,
        input.status,
        input.error === null ? null : toPostgresText(input.error),
        usage?.inputTokens ?? null,
        usage?.outputTokens ?? null,
        usage?.totalTokens ?? null,
        usage?.inputTokens ?? 0,
        usage?.outputTokens ?? 0,
        usage?.totalTokens ?? 0,
      ];
      // Stored under the turn's id (the stream's `start.messageId`), whatever id it carries.
      const message = { ...sent, id: turn.message_id };
      const stored = turn.message_role !== null;
      if (stored && turn.message_role !== message.role) {
        throw new MessageIdConflictError(message.id);
      }
      const answer = await withEndedOperations(transaction, input.turnId, message);
      await transaction.query(finishTurnSql(stored ? updateMessageSql : insertMessageSql), [
        ...finish,
        ...messageParams(sessionId, answer),
      ]);
      await takeSteeredMessages(transaction, sessionId, input.turnId, message);
      return true;
    });
  }

  async #finishInOneCall(input: FinishTurnInput): Promise<boolean> {
    const { usage, assistantMessage: message } = input;
    const [row] = await this.#client.query<{ outcome: string }>(
      'SELECT finish_turn($1, $2, $3, $4, $5, $6, $7, $8::json, $9::json) AS outcome',
      [
        input.turnId,
        input.status,
        input.error === null ? null : toPostgresText(input.error),
        usage?.inputTokens ?? null,
        usage?.outputTokens ?? null,
        usage?.totalTokens ?? null,
        message?.role ?? null,
        message === null ? null : toPostgresJson(message.parts),
        message?.metadata === undefined ? null : toPostgresJson(message.metadata),
      ],
    );
    const outcome = row?.outcome ?? '';
    if (outcome.startsWith('conflict:')) {
      throw new MessageIdConflictError(outcome.slice('conflict:'.length));
    }
    return outcome === 'finished';
  }

  async failUnfinishedTurns(error: string): Promise<number> {
    const rows = await this.#client.query(
      `UPDATE turns SET status = 'failed', error = $1, finished_at = clock_timestamp()
       WHERE status IN ('queued', 'running') RETURNING id`,
      [toPostgresText(error)],
    );
    return rows.length;
  }

  async listUnfinishedTurns(createdBefore: Date, limit: number): Promise<StoredTurn[]> {
    const rows = await this.#client.query<TurnRow>(
      `SELECT ${turnColumns} FROM turns
       WHERE status IN ('queued', 'running') AND created_at < $1
       ORDER BY created_at, id LIMIT $2`,
      [createdBefore.toISOString(), limit],
    );
    return rows.map(toTurn);
  }

  async listUnfinishedTurnsOfSession(sessionId: string): Promise<StoredTurn[]> {
    const rows = await this.#client.query<TurnRow>(
      `SELECT ${turnColumns} FROM turns
       WHERE session_id = $1 AND status IN ('queued', 'running')
       ORDER BY created_at, id`,
      [sessionId],
    );
    return rows.map(toTurn);
  }

  async getTurn(turnId: string): Promise<StoredTurn | null> {
    const rows = await this.#client.query<TurnRow>(
      `SELECT ${turnColumns} FROM turns WHERE id = $1`,
      [turnId],
    );
    return rows[0] === undefined ? null : toTurn(rows[0]);
  }

  addPendingMessage(input: AddPendingMessageInput): Promise<AddPendingMessageResult> {
    return this.#client.transaction((transaction) => addPendingMessageIn(transaction, input));
  }

  listPendingMessages(sessionId: string): Promise<PendingMessage[]> {
    return listPendingMessages(this.#client, sessionId);
  }

  listSessionsWithPendingMessages(createdBefore: Date, limit: number): Promise<string[]> {
    return listSessionsWithPendingMessages(this.#client, createdBefore, limit);
  }

  countPendingMessages(scope: LimitScope): Promise<number> {
    return countPendingMessages(this.#client, scope);
  }

  countUnfinishedTurns(scope: LimitScope): Promise<number> {
    return countUnfinishedTurns(this.#client, scope);
  }

  startOperation(input: StartOperationInput): Promise<StartOperationResult> {
    return this.#client.transaction((transaction) => startOperationIn(transaction, input));
  }

  markOperationRunning(id: string): Promise<boolean> {
    return markOperationRunning(this.#client, id);
  }

  endOperation(input: EndOperationInput): Promise<EndOperationResult> {
    return this.#client.transaction((transaction) => endOperationIn(transaction, input));
  }

  getOperation(id: string): Promise<Operation | null> {
    return getOperation(this.#client, id);
  }

  listOperationsOfSession(sessionId: string): Promise<Operation[]> {
    return listOperationsOfSession(this.#client, sessionId);
  }

  listOverdueOperations(now: Date, limit: number): Promise<Operation[]> {
    return listOverdueOperations(this.#client, now, limit);
  }

  async ping(): Promise<void> {
    await this.#client.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.#client.close();
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === uniqueViolation;
}

/**
 * A session whose title or any text part of its messages contains the LIKE `pattern`. No index
 * serves the message half: it reads the owner's messages, which is fine for the sessions of one
 * person and is what a full-text index would replace if that ever grows large.
 */
function matchesSearch(pattern: string): string {
  return `(sessions.title ILIKE ${pattern} ESCAPE '\\' OR EXISTS (
    SELECT 1 FROM messages, json_array_elements(messages.parts) AS part
    WHERE messages.session_id = sessions.id
      AND part->>'type' = 'text' AND part->>'text' ILIKE ${pattern} ESCAPE '\\'))`;
}

/** `text` as a LIKE pattern that matches exactly itself: `%`, `_` and the escape are escaped. */
function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** A part whose finishing reads more than the turn: a tool call's operation, a follow-up taken. */
function needsFinishingTransaction(part: UIMessage['parts'][number]): boolean {
  return 'toolCallId' in part || part.type === 'steering-message';
}
