import type { UIMessageChunk } from 'ai';

type DeltaChunk = Extract<
  UIMessageChunk,
  { type: 'text-delta' } | { type: 'reasoning-delta' } | { type: 'tool-input-delta' }
>;

/**
 * One chunk for two consecutive deltas of the same part, or null when they cannot merge. A reader
 * folds the merged chunk exactly as it folds the two (the deltas are concatenated either way);
 * deltas carrying provider metadata stay apart, since each one replaces the part's metadata.
 */
export function mergeDeltas(first: UIMessageChunk, second: UIMessageChunk): DeltaChunk | null {
  if (first.type !== second.type) return null;
  if ('providerMetadata' in first && first.providerMetadata !== undefined) return null;
  if ('providerMetadata' in second && second.providerMetadata !== undefined) return null;
  if (first.type === 'text-delta' && second.type === 'text-delta' && first.id === second.id) {
    return { ...first, delta: first.delta + second.delta };
  }
  if (
    first.type === 'reasoning-delta' &&
    second.type === 'reasoning-delta' &&
    first.id === second.id
  ) {
    return { ...first, delta: first.delta + second.delta };
  }
  if (
    first.type === 'tool-input-delta' &&
    second.type === 'tool-input-delta' &&
    first.toolCallId === second.toolCallId
  ) {
    return { ...first, inputTextDelta: first.inputTextDelta + second.inputTextDelta };
  }
  return null;
}

/** `chunks` with every run of mergeable deltas merged into one chunk (see `mergeDeltas`). */
export function mergeConsecutiveDeltas(chunks: readonly UIMessageChunk[]): UIMessageChunk[] {
  const merged: UIMessageChunk[] = [];
  for (const chunk of chunks) {
    const last = merged.at(-1);
    const both = last === undefined ? null : mergeDeltas(last, chunk);
    if (both === null) merged.push(chunk);
    else merged[merged.length - 1] = both;
  }
  return merged;
}
