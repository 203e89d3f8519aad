/** How an assistant message ended, as the conversation shows it. */
export type MessageStatus = 'streaming' | 'completed' | 'stopped' | 'failed';

export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
}

export interface MessageOutcome {
  status: Exclude<MessageStatus, 'streaming'>;
  /** The text to show for a failed answer (the server masks internal errors). */
  errorText?: string;
  usage?: TokenUsage;
}

/**
 * Reads an assistant message's metadata: `{usage, status: 'failed' | 'cancelled', errorText}` as
 * the server persists it (and as `withTurnOutcomeMetadata` adds it to a live answer). Metadata is
 * whatever the server sent, so every field is checked; anything unexpected reads as completed.
 */
export function readMessageOutcome(metadata: unknown): MessageOutcome {
  const record = isRecord(metadata) ? metadata : {};
  const usage = readUsage(record.usage);
  const status =
    record.status === 'failed' ? 'failed' : record.status === 'cancelled' ? 'stopped' : 'completed';
  const errorText =
    status === 'failed' && typeof record.errorText === 'string' && record.errorText.trim() !== ''
      ? record.errorText
      : undefined;
  return {
    status,
    ...(errorText === undefined ? {} : { errorText }),
    ...(usage === undefined ? {} : { usage }),
  };
}

/** "12 in · 48 out": what the answer cost, the way a reader skims it. */
export function formatUsage(usage: TokenUsage): string {
  const parts: string[] = [];
  if (usage.inputTokens !== undefined) parts.push(`${formatCount(usage.inputTokens)} in`);
  if (usage.outputTokens !== undefined) parts.push(`${formatCount(usage.outputTokens)} out`);
  if (parts.length === 0 && usage.totalTokens !== undefined) {
    parts.push(`${formatCount(usage.totalTokens)} tokens`);
  }
  return parts.join(' · ');
}

function readUsage(value: unknown): TokenUsage | undefined {
  if (!isRecord(value)) return undefined;
  const usage: TokenUsage = {};
  for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
    const count = value[key];
    if (typeof count === 'number' && Number.isFinite(count) && count >= 0) usage[key] = count;
  }
  return Object.keys(usage).length > 0 ? usage : undefined;
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
