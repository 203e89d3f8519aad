import type { UIMessageChunk } from 'ai';
import {
  isTerminal,
  type ReadEvent,
  type TerminalStatus,
  type TurnRecord,
  type TurnStatus,
} from '../stream-registry.ts';

const statuses: readonly TurnStatus[] = ['running', 'closing', 'completed', 'failed', 'cancelled'];

/** A reply of HGETALL inside a script: `[field, value, field, value, …]`. */
export function fieldsFromList(list: readonly unknown[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let index = 0; index + 1 < list.length; index += 2) {
    fields[String(list[index])] = String(list[index + 1]);
  }
  return fields;
}

/**
 * The turn hash as a TurnRecord; null when the hash is empty (the turn never existed or expired).
 * An absent field is null: that is how the scripts store "no user", "no error", "no lease".
 */
export function decodeTurnRecord(
  turnId: string,
  fields: Readonly<Record<string, string>>,
): TurnRecord | null {
  const status = fields.status;
  if (status === undefined) return null;
  if (!statuses.includes(status as TurnStatus)) {
    throw new Error(`turn ${turnId} has an unknown status ${JSON.stringify(status)}`);
  }
  const closingStatus = fields.closingStatus ?? null;
  if (closingStatus !== null && !isTerminal(closingStatus as TurnStatus)) {
    throw new Error(`turn ${turnId} has an unknown closing status ${closingStatus}`);
  }
  return {
    turnId,
    sessionId: fields.sessionId ?? '',
    userId: fields.userId ?? null,
    userMessageId: fields.userMessageId ?? '',
    assistantMessageId: fields.assistantMessageId ?? '',
    // Turns opened before request keys existed were all new messages, keyed by their id.
    requestKey: fields.requestKey ?? fields.userMessageId ?? '',
    status: status as TurnStatus,
    closingStatus: closingStatus as TerminalStatus | null,
    error: fields.error ?? null,
    cancelRequested: fields.cancelRequested === '1',
    lastPosition: Number(fields.lastPosition ?? 0),
    createdAt: Number(fields.createdAt ?? 0),
    closingAt: optionalNumber(fields.closingAt),
    closedAt: optionalNumber(fields.closedAt),
    leaseOwner: fields.leaseOwner ?? null,
    leaseExpiresAt: optionalNumber(fields.leaseExpiresAt),
    enqueueDeadline: optionalNumber(fields.enqueueDeadline),
  };
}

/** One entry of a turn's stream: a chunk at `position`, or the terminal event after `position`. */
export interface TurnStreamEntry {
  id: string;
  position: number;
  event: ReadEvent;
}

/** Decodes `[field, value, …]` of a stream entry written by append or publish-close. */
export function decodeStreamEntry(id: string, list: readonly string[]): TurnStreamEntry {
  const fields = fieldsFromList(list);
  const position = Number(fields.p);
  if (fields.end !== undefined) {
    if (!isTerminal(fields.end as TurnStatus)) {
      throw new Error(`stream entry ${id} ends with an unknown status ${fields.end}`);
    }
    const event: ReadEvent = {
      type: 'end',
      status: fields.end as TerminalStatus,
      error: fields.error ?? null,
    };
    return { id, position, event };
  }
  if (fields.c === undefined || !Number.isInteger(position)) {
    throw new Error(`stream entry ${id} is neither a chunk nor a terminal event`);
  }
  const chunk = JSON.parse(fields.c) as UIMessageChunk;
  return { id, position, event: { type: 'chunk', position, chunk } };
}

/** JSON for the stream; throws before anything is sent when a chunk cannot be encoded. */
export function encodeChunks(chunks: readonly UIMessageChunk[]): string[] {
  return chunks.map((chunk) => JSON.stringify(chunk));
}

function optionalNumber(value: string | undefined): number | null {
  return value === undefined ? null : Number(value);
}
