import type { UIMessage } from 'ai';
import type { StartReplacementTurnInput, StartTurnResult, StoredTurn } from './chat-store.ts';
import {
  MessageIdConflictError,
  MessageNotFoundError,
  NothingToAnswerError,
  SessionNotFoundError,
  UnsettledTurnsError,
} from './chat-store-errors.ts';
import { toPostgresJson } from './postgres-json.ts';
import { single, type TurnRow, toTurn, turnColumns } from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';
import { lockSession } from './sql-session-lock.ts';
import { findMessage, latestTurnOf, unsettledTurnSql } from './sql-turn-writes.ts';

/** SQL condition: the `messages` row started a turn (of its own session). */
const startedTurn = `EXISTS (SELECT 1 FROM turns
  WHERE turns.session_id = messages.session_id AND turns.user_message_id = messages.id)`;

/** A stored message that started a turn: the one a replacement turn answers again. */
interface Prompt {
  id: string;
  sequence: number;
}

/** What to write once the request is understood, or the turn that already answered it. */
type Plan =
  | { type: 'start'; prompt: Prompt; replacedMessageId: string | null; edit: UIMessage | null }
  | { type: 'retry'; turn: StoredTurn };

/** ChatStore.startReplacementTurn inside the caller's transaction. */
export async function startReplacementTurnIn(
  transaction: SqlClient,
  input: StartReplacementTurnInput,
): Promise<StartTurnResult> {
  const { sessionId } = input;
  // The session lock keeps every other writer of its messages out until the turn is stored.
  if (!(await lockSession(transaction, sessionId))) throw new SessionNotFoundError(sessionId);
  if (input.onlyIfSettled) {
    const [found] = await transaction.query<{ unsettled: boolean }>(
      `SELECT ${unsettledTurnSql('$1')} AS unsettled`,
      [sessionId],
    );
    if (found?.unsettled) throw new UnsettledTurnsError(sessionId);
  }
  const plan =
    input.target.type === 'edit'
      ? await planEdit(transaction, sessionId, input.target.message)
      : await planRegenerate(transaction, sessionId, input.target.messageId);
  if (plan.type === 'retry') return { created: false, turn: plan.turn };
  if (plan.edit !== null) {
    const { parts, metadata } = plan.edit;
    await transaction.query(
      `UPDATE messages SET parts = $3::json, metadata = coalesce($4::json, metadata)
       WHERE session_id = $1 AND id = $2`,
      [
        sessionId,
        plan.prompt.id,
        toPostgresJson(parts),
        metadata === undefined ? null : toPostgresJson(metadata),
      ],
    );
  }
  // Removing the later messages removes the turns they started (ON DELETE CASCADE); the turns of
  // the prompt itself stay, with the answers they replaced, for the idempotency checks above.
  const turns = await transaction.query<TurnRow>(
    `WITH removed AS (DELETE FROM messages WHERE session_id = $2 AND sequence > $3),
     turn AS (
       INSERT INTO turns
         (id, session_id, user_message_id, assistant_message_id, replaced_message_id, status)
       VALUES ($1, $2, $4, $5, $6, 'queued') RETURNING ${turnColumns}
     ),
     touched AS (UPDATE sessions SET updated_at = clock_timestamp() WHERE id = $2)
     SELECT * FROM turn`,
    [
      input.turnId,
      sessionId,
      plan.prompt.sequence,
      plan.prompt.id,
      input.assistantMessageId,
      plan.replacedMessageId,
    ],
  );
  return { created: true, turn: toTurn(single(turns)) };
}

async function planRegenerate(
  transaction: SqlClient,
  sessionId: string,
  messageId: string | null,
): Promise<Plan> {
  if (messageId === null) {
    const prompt = await lastPrompt(transaction, sessionId);
    if (prompt === null) throw new NothingToAnswerError(sessionId);
    return {
      type: 'start',
      prompt,
      replacedMessageId: await answerOf(transaction, sessionId, prompt),
      edit: null,
    };
  }
  const named = await findMessage(transaction, sessionId, messageId);
  if (named === undefined) {
    // Gone from the session: replaced by this very request before (a retry), or by no one.
    const replacing = await transaction.query<TurnRow>(
      `SELECT ${turnColumns} FROM turns WHERE replaced_message_id = $1 AND session_id = $2`,
      [messageId, sessionId],
    );
    if (replacing[0] === undefined) throw new MessageNotFoundError(messageId);
    return { type: 'retry', turn: toTurn(replacing[0]) };
  }
  const asPrompt = await promptNamed(transaction, sessionId, messageId);
  if (asPrompt !== null) {
    return {
      type: 'start',
      prompt: asPrompt,
      replacedMessageId: await answerOf(transaction, sessionId, asPrompt),
      edit: null,
    };
  }
  // An answer: the message its turn answered is answered again.
  const prompts = await transaction.query<Prompt>(
    `SELECT messages.id, messages.sequence FROM turns
     JOIN messages ON messages.session_id = turns.session_id
       AND messages.id = turns.user_message_id
     WHERE turns.session_id = $1 AND turns.assistant_message_id = $2`,
    [sessionId, messageId],
  );
  if (prompts[0] === undefined) throw new NothingToAnswerError(sessionId);
  return { type: 'start', prompt: prompts[0], replacedMessageId: messageId, edit: null };
}

async function planEdit(
  transaction: SqlClient,
  sessionId: string,
  message: UIMessage,
): Promise<Plan> {
  const named = await findMessage(transaction, sessionId, message.id);
  if (named === undefined) throw new MessageNotFoundError(message.id);
  if (named.role !== message.role) throw new MessageIdConflictError(message.id);
  const prompt = await promptNamed(transaction, sessionId, message.id);
  if (prompt === null) throw new MessageNotFoundError(message.id);
  // The same text sent again for the last message that started a turn is what a retry of this
  // edit finds once it was applied: answer it with the turn it started, not a second one. The
  // parts are compared by value (jsonb), not by their text.
  const unchanged = await transaction.query(
    `SELECT 1 FROM messages WHERE session_id = $3 AND id = $1 AND parts::jsonb = $2::jsonb
       AND NOT EXISTS (
         SELECT 1 FROM messages later JOIN turns ON turns.session_id = later.session_id
           AND turns.user_message_id = later.id
         WHERE later.session_id = $3 AND later.sequence > $4
       )`,
    [message.id, toPostgresJson(message.parts), sessionId, prompt.sequence],
  );
  const latest =
    unchanged.length > 0 ? await latestTurnOf(transaction, sessionId, message.id) : null;
  if (latest !== null) return { type: 'retry', turn: latest };
  return {
    type: 'start',
    prompt,
    replacedMessageId: await answerOf(transaction, sessionId, prompt),
    edit: message,
  };
}

/** The session's message, if it is one that started a turn. */
async function promptNamed(
  transaction: SqlClient,
  sessionId: string,
  messageId: string,
): Promise<Prompt | null> {
  const rows = await transaction.query<Prompt>(
    `SELECT id, sequence FROM messages
     WHERE session_id = $1 AND id = $2 AND ${startedTurn}`,
    [sessionId, messageId],
  );
  return rows[0] ?? null;
}

/** The session's last message that started a turn. */
async function lastPrompt(transaction: SqlClient, sessionId: string): Promise<Prompt | null> {
  const rows = await transaction.query<Prompt>(
    `SELECT id, sequence FROM messages
     WHERE session_id = $1 AND ${startedTurn}
     ORDER BY sequence DESC LIMIT 1`,
    [sessionId],
  );
  return rows[0] ?? null;
}

/** The stored answer to the prompt (its latest, if it somehow has several), or null. */
async function answerOf(
  transaction: SqlClient,
  sessionId: string,
  prompt: Prompt,
): Promise<string | null> {
  const rows = await transaction.query<{ id: string }>(
    `SELECT messages.id FROM turns
     JOIN messages ON messages.session_id = turns.session_id
       AND messages.id = turns.assistant_message_id
     WHERE turns.session_id = $1 AND turns.user_message_id = $2
     ORDER BY messages.sequence DESC LIMIT 1`,
    [sessionId, prompt.id],
  );
  return rows[0]?.id ?? null;
}
