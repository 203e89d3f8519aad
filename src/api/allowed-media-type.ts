/**
 * The media type without parameters, in lower case (`Text/Plain; charset=utf-8` → `text/plain`);
 * null when it is no `type/subtype` at all.
 */
export function bareMediaType(mediaType: string): string | null {
  const bare = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(bare) ? bare : null;
}

/** Whether `FILE_MEDIA_TYPES` (exact types, or `type/*` for a whole type) lets this one in. */
export function isAllowedMediaType(mediaType: string, allowed: readonly string[]): boolean {
  const bare = bareMediaType(mediaType);
  if (bare === null) return false;
  const type = bare.slice(0, bare.indexOf('/'));
  return allowed.some((entry) => entry === bare || entry === `${type}/*`);
}
