/**
 * Postgres text and jsonb refuse NUL characters and unpaired UTF-16 surrogates, both of which a
 * user or a model can produce; json stores their escapes but then fails every query that reads
 * them as text. Each becomes U+FFFD so that storing a message never fails on its content; every
 * other string round-trips exactly.
 */
export function toPostgresText(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

/** `value` as JSON text for a `$n::json` parameter, cleaned like `toPostgresText` (keys too). */
export function toPostgresJson(value: unknown): string {
  return JSON.stringify(value, (_key, nested: unknown) => {
    if (typeof nested === 'string') return toPostgresText(nested);
    if (nested === null || typeof nested !== 'object' || Array.isArray(nested)) return nested;
    const keys = Object.keys(nested);
    if (keys.every((key) => toPostgresText(key) === key)) return nested;
    return Object.fromEntries(
      Object.entries(nested).map(([key, entry]) => [toPostgresText(key), entry]),
    );
  });
}
