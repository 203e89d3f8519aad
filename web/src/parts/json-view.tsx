/** A value as indented JSON, or as-is when it is already text. */
export function JsonView({ value }: { value: unknown }) {
  return <pre className="json">{formatJson(value)}</pre>;
}

export function formatJson(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}
