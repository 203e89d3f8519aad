import type { ChatStore } from './chat-store.ts';
import {
  ApprovalNotPendingError,
  MessageIdConflictError,
  MessageNotFoundError,
  NothingToAnswerError,
  SessionNotFoundError,
  UnsettledTurnsError,
} from './chat-store-errors.ts';

/** Every `ChatStore` method the store thread serves (all but `close`, which ends the thread). */
export type StoreMethod = Exclude<keyof ChatStore, 'close'>;

/** One `ChatStore` call from the main thread, numbered so its reply can be matched. */
export interface StoreCall {
  id: number;
  method: StoreMethod | 'close';
  args: unknown[];
}

export type StoreReply =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: SerializedError };

/** The thread's first message: the database is open and migrated, or why it is not. */
export type StoreStartup = { type: 'ready' } | { type: 'failed'; error: SerializedError };

export interface StoreThreadData {
  dataDir?: string;
}

/**
 * An error as it crosses the thread boundary. Structured cloning keeps only an Error's message,
 * so the fields callers rely on (`code`: a SQLSTATE or a store error code; `sessionId`, …) are
 * copied, and the store's own error classes are rebuilt so `instanceof` keeps working.
 */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, string | number>;
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  }
  return { name: error.name, message: error.message, stack: error.stack, fields };
}

export function deserializeError(serialized: SerializedError): Error {
  const { fields } = serialized;
  let error: Error;
  if (serialized.name === 'SessionNotFoundError' && typeof fields.sessionId === 'string') {
    error = new SessionNotFoundError(fields.sessionId);
  } else if (serialized.name === 'MessageIdConflictError' && typeof fields.messageId === 'string') {
    error = new MessageIdConflictError(fields.messageId);
  } else if (serialized.name === 'MessageNotFoundError' && typeof fields.messageId === 'string') {
    error = new MessageNotFoundError(fields.messageId);
  } else if (serialized.name === 'NothingToAnswerError' && typeof fields.sessionId === 'string') {
    error = new NothingToAnswerError(fields.sessionId);
  } else if (serialized.name === 'UnsettledTurnsError' && typeof fields.sessionId === 'string') {
    error = new UnsettledTurnsError(fields.sessionId);
  } else if (
    serialized.name === 'ApprovalNotPendingError' &&
    typeof fields.messageId === 'string'
  ) {
    error = new ApprovalNotPendingError(fields.messageId, serialized.message);
  } else {
    error = Object.assign(new Error(serialized.message), fields);
    error.name = serialized.name;
  }
  if (serialized.stack !== undefined) {
    error.stack = `${serialized.stack}\n    at (the PGlite store thread)`;
  }
  return error;
}
