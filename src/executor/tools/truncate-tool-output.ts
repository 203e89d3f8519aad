/**
 * What a tool's non-string output over the limit becomes: still valid JSON, readable by a model
 * and recognisable by code (the three keys and nothing else). `preview` is the beginning of the
 * output's JSON text, cut so that this whole object, serialised, fits within the limit. (A type,
 * not an interface, so that it is a JSON value wherever the SDK asks for one.)
 */
export type TruncatedToolOutput = {
  truncated: true;
  /** Says that the output was cut and how large it was, e.g. `…[output truncated: 250.4 KB exceeded the 100 KB limit]`. */
  marker: string;
  preview: string;
};

/** Size of a value as the wire and the database carry it: its JSON text, in UTF-8 bytes. */
export function serializedByteLength(value: unknown): number {
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? 0 : Buffer.byteLength(json, 'utf8');
}

/**
 * A tool output whose JSON text is at most `maxBytes` (UTF-8) is returned as it is (the same
 * reference). A larger string becomes its beginning followed by `\n` and the marker; any other
 * value becomes a {@link TruncatedToolOutput}. Either way the result, serialised, fits within
 * `maxBytes`, as long as `maxBytes` leaves room for the marker itself (~70 bytes); the cut never
 * splits a character (or a surrogate pair).
 */
export function truncateToolOutput(output: unknown, maxBytes: number): unknown {
  const json = JSON.stringify(output) as string | undefined;
  if (json === undefined) return output;
  const size = Buffer.byteLength(json, 'utf8');
  if (size <= maxBytes) return output;
  const marker = truncationMarker(size, maxBytes);
  if (typeof output === 'string') return cutToFit(output, (head) => `${head}\n${marker}`, maxBytes);
  return cutToFit(
    json,
    (preview): TruncatedToolOutput => ({ truncated: true, marker, preview }),
    maxBytes,
  );
}

/**
 * The text of a tool's error, cut like a string output (so the `tool-output-error` chunk, the
 * stored part and what the model reads stay within the limit).
 */
export function truncateText(text: string, maxBytes: number): string {
  return truncateToolOutput(text, maxBytes) as string;
}

/**
 * Whether a value is a {@link TruncatedToolOutput}; stored history carries it, and a tool's
 * `toModelOutput` was not written for it.
 */
export function isTruncatedToolOutput(value: unknown): value is TruncatedToolOutput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    Object.keys(record).length === 3 &&
    record.truncated === true &&
    typeof record.marker === 'string' &&
    typeof record.preview === 'string'
  );
}

/** `…[output truncated: 250.4 KB exceeded the 100 KB limit]` */
export function truncationMarker(size: number, maxBytes: number): string {
  return `…[output truncated: ${formatByteSize(size, Math.ceil)} exceeded the ${formatByteSize(maxBytes, Math.floor)} limit]`;
}

/**
 * Bytes below 1 KB, then KB or MB with one decimal (none when it is zero). The output's size is
 * rounded up and the limit down, so one byte over 100 KB still reads as more than the limit.
 */
function formatByteSize(bytes: number, round: (value: number) => number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [amount, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KB'] : [bytes / 1024 / 1024, 'MB'];
  return `${String(round(amount * 10) / 10)} ${unit}`;
}

/**
 * The value `build` makes of the longest beginning of `text` that keeps it within `maxBytes`
 * once serialised, or of the empty beginning when none does. The serialised size grows with the
 * beginning's length, so a binary search finds it; a beginning has at most `maxBytes` code units
 * (each one serialises to at least one byte), which bounds the work for huge outputs.
 */
function cutToFit<T>(text: string, build: (head: string) => T, maxBytes: number): T {
  const fits = (length: number) =>
    serializedByteLength(build(wholeCharacters(text, length))) <= maxBytes;
  let shortest = 0;
  let longest = Math.min(text.length, maxBytes);
  while (shortest < longest) {
    const middle = Math.ceil((shortest + longest) / 2);
    if (fits(middle)) shortest = middle;
    else longest = middle - 1;
  }
  return build(wholeCharacters(text, shortest));
}

/** The first `length` code units of `text`, one fewer when that would split a surrogate pair. */
function wholeCharacters(text: string, length: number): string {
  const last = text.charCodeAt(length - 1);
  const splitsPair = length > 0 && last >= 0xd800 && last <= 0xdbff;
  return text.slice(0, splitsPair ? length - 1 : length);
}
