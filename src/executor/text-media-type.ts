/** `application/` types whose content is text, though their top-level type says otherwise. */
const textApplicationTypes = new Set([
  'application/json',
  'application/ld+json',
  'application/xml',
  'application/javascript',
  'application/ecmascript',
  'application/x-javascript',
  'application/typescript',
  'application/x-typescript',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/x-sh',
  'application/sql',
  'application/csv',
  'application/x-ndjson',
  'application/graphql',
]);

/**
 * Whether a file of this media type is text a model can read as it is (`text/*`, JSON, XML,
 * YAML, source code): such files reach the model inline, any other is only named.
 */
export function isTextMediaType(mediaType: string): boolean {
  const bare = mediaType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    bare.startsWith('text/') ||
    textApplicationTypes.has(bare) ||
    bare.endsWith('+json') ||
    bare.endsWith('+xml')
  );
}
