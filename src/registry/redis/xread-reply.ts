/** An entry as Redis returns it: its id and `[field, value, …]`. */
export type RawStreamEntry = [id: string, fields: string[]];

/** `XREAD`'s RESP2 reply (`[[key, [[id, fields], …]], …]`, or null on timeout) as pairs. */
export function parseXreadReply(reply: unknown): [streamKey: string, RawStreamEntry[]][] {
  if (reply === null) return [];
  if (!Array.isArray(reply)) throw new TypeError('XREAD replied with something other than a list');
  return reply.map((stream: unknown) => {
    if (!Array.isArray(stream) || typeof stream[0] !== 'string' || !Array.isArray(stream[1])) {
      throw new TypeError('XREAD replied with a malformed stream');
    }
    return [stream[0], stream[1] as RawStreamEntry[]];
  });
}
