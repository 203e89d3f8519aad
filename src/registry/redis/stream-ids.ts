/**
 * Stream entry ids of a turn: `<position>-0` for the chunk at that position and
 * `<last position>-1` for the terminal event, so ids order exactly like the events they carry.
 */
export function chunkEntryId(position: number): string {
  return `${position}-0`;
}

/** Negative, zero or positive as `left` is before, equal to or after `right`. */
export function compareStreamIds(left: string, right: string): number {
  const [leftTime, leftSequence] = splitId(left);
  const [rightTime, rightSequence] = splitId(right);
  if (leftTime !== rightTime) return leftTime < rightTime ? -1 : 1;
  if (leftSequence !== rightSequence) return leftSequence < rightSequence ? -1 : 1;
  return 0;
}

function splitId(id: string): [bigint, bigint] {
  const separator = id.indexOf('-');
  if (separator === -1) return [BigInt(id), 0n];
  return [BigInt(id.slice(0, separator)), BigInt(id.slice(separator + 1))];
}
