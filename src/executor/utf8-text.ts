/**
 * `bytes[start, end)` as text, with `end` moved back to the start of the character it splits (a
 * cut never leaves half a character), or forward when the slice holds less than one character;
 * the returned `end` is where the text really stops, the offset to read on from.
 */
export function utf8Text(
  bytes: Uint8Array,
  start: number,
  end: number,
): { text: string; end: number } {
  let cut = Math.min(end, bytes.length);
  if (cut < bytes.length) {
    // UTF-8 continuation bytes are 10xxxxxx: back off to the byte that starts the character.
    while (cut > start && ((bytes[cut] as number) & 0xc0) === 0x80) cut -= 1;
    // A slice shorter than its one character would make no progress: it takes the character.
    if (cut === start && start < end) {
      cut = end;
      while (cut < bytes.length && ((bytes[cut] as number) & 0xc0) === 0x80) cut += 1;
    }
  }
  const from = Math.min(start, cut);
  return { text: new TextDecoder().decode(bytes.subarray(from, cut)), end: cut };
}
