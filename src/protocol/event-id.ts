/**
 * SSE event ids are `<turnId>:<position>`, so a `Last-Event-ID` names both the turn the client
 * was reading and the last position it received.
 */
export interface EventId {
  turnId: string;
  position: number;
}

export function formatEventId(turnId: string, position: number): string {
  return `${turnId}:${position}`;
}

/** Parses `<turnId>:<position>` or a bare `<position>`; null when malformed. */
export function parseEventId(value: string): { turnId: string | null; position: number } | null {
  const trimmed = value.trim();
  const separator = trimmed.lastIndexOf(':');
  const turnId = separator === -1 ? null : trimmed.slice(0, separator);
  const positionText = separator === -1 ? trimmed : trimmed.slice(separator + 1);
  if (!/^\d{1,15}$/.test(positionText)) return null;
  if (turnId !== null && !/^[A-Za-z0-9_-]{1,128}$/.test(turnId)) return null;
  return { turnId, position: Number(positionText) };
}
