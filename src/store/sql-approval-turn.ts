import { answerApprovals } from '../protocol/tool-approvals.ts';
import type { StartApprovalTurnInput, StartTurnResult } from './chat-store.ts';
import { ApprovalNotPendingError, SessionNotFoundError } from './chat-store-errors.ts';
import { toPostgresJson } from './postgres-json.ts';
import {
  type MessageRow,
  single,
  type TurnRow,
  toMessage,
  toTurn,
  turnColumns,
} from './sql-chat-rows.ts';
import type { SqlClient } from './sql-client.ts';
import { lockSession } from './sql-session-lock.ts';
import { latestTurnOf } from './sql-turn-writes.ts';

/** ChatStore.startApprovalTurn inside the caller's transaction. */
export async function startApprovalTurnIn(
  transaction: SqlClient,
  input: StartApprovalTurnInput,
): Promise<StartTurnResult> {
  const { sessionId, assistantMessageId } = input;
  // The session lock keeps every other writer of its messages out: two answers to the same
  // approval are decided one after the other, and the second sees the first.
  if (!(await lockSession(transaction, sessionId))) throw new SessionNotFoundError(sessionId);
  const rows = await transaction.query<MessageRow & { last: boolean }>(
    `SELECT id, session_id, role, parts, metadata,
       sequence = (SELECT max(sequence) FROM messages WHERE session_id = $1) AS last
     FROM messages WHERE session_id = $1 AND id = $2 AND role = 'assistant'`,
    [sessionId, assistantMessageId],
  );
  const row = rows[0];
  const notPending = (reason: string) => new ApprovalNotPendingError(assistantMessageId, reason);
  if (row === undefined) throw notPending('That message is not an answer in this session.');
  const answering = await latestTurnOf(transaction, sessionId, assistantMessageId, 'answer');
  if (answering === null) throw notPending('That message is not an answer in this session.');
  const outcome = answerApprovals(toMessage(row), input.responses);
  if (outcome.type === 'not-pending') throw notPending(outcome.reason);
  if (outcome.type === 'answered-before') return { created: false, turn: answering };
  if (!row.last) throw notPending('Only the last answer of the session can be continued.');
  const turns = await transaction.query<TurnRow>(
    `WITH answered AS (
       UPDATE messages SET parts = $5::json WHERE session_id = $2 AND id = $4
     ),
     turn AS (
       INSERT INTO turns (id, session_id, user_message_id, assistant_message_id, status)
       VALUES ($1, $2, $3, $4, 'queued') RETURNING ${turnColumns}
     ),
     touched AS (UPDATE sessions SET updated_at = clock_timestamp() WHERE id = $2)
     SELECT * FROM turn`,
    [
      input.turnId,
      sessionId,
      answering.userMessageId,
      assistantMessageId,
      toPostgresJson(outcome.message.parts),
    ],
  );
  return { created: true, turn: toTurn(single(turns)) };
}
