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

/** An event of a turn's stream with its position (an end event has the last chunk's). */
export interface PositionedEvent {
  position: number;
  event: ReadEvent;
}

/** One entry of a turn's stream: its chunks in order, then the end when it is the terminal one. */
export interface TurnStreamEntry {
  id: string;
  events: PositionedEvent[];
}

/**
 * Decodes `[field, value, …]` of a stream entry: `p <last position>`, one `c <chunk>` per chunk
 * (positions p-n+1 .. p), then `end <status>` [`error <text>`] in the terminal entry. The opening
 * marker (`open 1`) holds no event.
 */
export function decodeStreamEntry(id: string, list: readonly string[]): TurnStreamEntry {
  const chunks: string[] = [];
  let last: number | null = null;
  let end: string | null = null;
  let error: string | null = null;
  for (let index = 0; index + 1 < list.length; index += 2) {
    const value = list[index + 1] as string;
    switch (list[index]) {
      case 'p':
        last = Number(value);
        break;
      case 'c':
        chunks.push(value);
        break;
      case 'end':
        end = value;
        break;
      case 'error':
        error = value;
        break;
    }
  }
  if (last === null) {
    if (list[0] === 'open') return { id, events: [] };
    throw new Error(`stream entry ${id} is neither a chunk nor a terminal event`);
  }
  if (!Number.isInteger(last) || last < chunks.length) {
    throw new Error(`stream entry ${id} has a bad position`);
  }
  const first = last - chunks.length + 1;
  const events: PositionedEvent[] = chunks.map((text, index) => {
    const position = first + index;
    const chunk = JSON.parse(text) as UIMessageChunk;
    return { position, event: { type: 'chunk', position, chunk } };
  });
  if (end !== null) {
    if (!isTerminal(end as TurnStatus)) {
      throw new Error(`stream entry ${id} ends with an unknown status ${end}`);
    }
    events.push({ position: last, event: { type: 'end', status: end as TerminalStatus, error } });
  } else if (chunks.length === 0) {
    throw new Error(`stream entry ${id} is neither a chunk nor a terminal event`);
  }
  return { id, events };
}

/** JSON for the stream; throws before anything is sent when a chunk cannot be encoded. */
export function encodeChunks(chunks: readonly UIMessageChunk[]): string[] {
  return chunks.map((chunk) => JSON.stringify(chunk));
}

function optionalNumber(value: string | undefined): number | null {
  return value === undefined ? null : Number(value);
}
