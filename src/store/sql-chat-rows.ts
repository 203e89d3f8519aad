import type { UIMessage } from 'ai';
import type { Session, StoredTurn, StoredTurnStatus, Usage } from './chat-store.ts';

/** pg returns `bigint` as a string, PGlite as a number. */
export type BigintValue = string | number;

export interface SessionRow {
  id: string;
  user_id: string | null;
  title: string | null;
  created_at: Date;
  updated_at: Date;
  input_tokens: BigintValue;
  output_tokens: BigintValue;
  total_tokens: BigintValue;
}

export interface TurnRow {
  id: string;
  session_id: string;
  user_message_id: string;
  assistant_message_id: string;
  replaced_message_id: string | null;
  status: StoredTurnStatus;
  error: string | null;
  input_tokens: BigintValue | null;
  output_tokens: BigintValue | null;
  total_tokens: BigintValue | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export interface MessageRow {
  id: string;
  session_id: string;
  role: UIMessage['role'];
  parts: UIMessage['parts'];
  metadata: unknown;
}

export const sessionColumns =
  'id, user_id, title, created_at, updated_at, input_tokens, output_tokens, total_tokens';
export const turnColumns =
  'id, session_id, user_message_id, assistant_message_id, replaced_message_id, status, error, ' +
  'input_tokens, output_tokens, total_tokens, created_at, started_at, finished_at';

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    title: row.title,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    usage: {
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      totalTokens: Number(row.total_tokens),
    },
  };
}

export function toTurn(row: TurnRow): StoredTurn {
  const usage: Usage | null =
    row.total_tokens === null
      ? null
      : {
          inputTokens: Number(row.input_tokens),
          outputTokens: Number(row.output_tokens),
          totalTokens: Number(row.total_tokens),
        };
  return {
    id: row.id,
    sessionId: row.session_id,
    userMessageId: row.user_message_id,
    assistantMessageId: row.assistant_message_id,
    replacedMessageId: row.replaced_message_id,
    status: row.status,
    error: row.error,
    usage,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function toMessage(row: MessageRow): UIMessage {
  const message: UIMessage = { id: row.id, role: row.role, parts: row.parts };
  if (row.metadata !== null) message.metadata = row.metadata;
  return message;
}

export function single<Row>(rows: Row[]): Row {
  const row = rows[0];
  if (row === undefined) throw new Error('expected one row, got none');
  return row;
}
