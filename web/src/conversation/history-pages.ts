import type { UIMessage } from 'ai';
import type { SessionDetail } from '../../../src/client/index.ts';

/**
 * Messages a chat asks for at a time: opening a chat of any length reads and renders this many,
 * and scrolling up reads the next this many before them.
 */
export const historyPageSize = 30;

/** Where the loaded part of a chat's history begins. */
export interface HistoryCursor {
  /** Older messages exist on the server before the loaded ones. */
  hasMore: boolean;
  /** The `oldest_sequence` the loaded messages start at: the next page's `beforeSequence`. */
  oldestSequence: number | null;
}

export const wholeHistory: HistoryCursor = { hasMore: false, oldestSequence: null };

export function cursorOf(page: SessionDetail): HistoryCursor {
  return { hasMore: page.has_more_messages, oldestSequence: page.oldest_sequence };
}

/** An older page in front of the loaded messages; any message already loaded stays as it is. */
export function prependOlder(current: UIMessage[], older: UIMessage[]): UIMessage[] {
  const loaded = new Set(current.map((message) => message.id));
  return [...older.filter((message) => !loaded.has(message.id)), ...current];
}

/**
 * A freshly read newest page merged into the loaded messages: the page replaces everything from
 * its first message on (answers finished or replaced meanwhile), older loaded pages stay in front
 * of it. `cursor` is null when the loaded older pages were kept (the cursor stays), else the
 * page's own: the page holds the whole history, or it shares no message with what was loaded
 * (more than a page happened elsewhere), so older pages are read again from it.
 */
export function mergeNewestPage(
  current: UIMessage[],
  page: SessionDetail,
): { messages: UIMessage[]; cursor: HistoryCursor | null } {
  const first = page.messages[0];
  const overlap = first === undefined ? -1 : current.findIndex(({ id }) => id === first.id);
  if (!page.has_more_messages || overlap === -1) {
    return { messages: page.messages, cursor: cursorOf(page) };
  }
  return { messages: [...current.slice(0, overlap), ...page.messages], cursor: null };
}
