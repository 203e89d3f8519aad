import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import type { SessionDetail } from '../../../src/client/index.ts';
import { mergeNewestPage, prependOlder } from './history-pages.ts';

const message = (id: string, text = id): UIMessage => ({
  id,
  role: 'user',
  parts: [{ type: 'text', text }],
});
const ids = (messages: UIMessage[]) => messages.map(({ id }) => id);

function page(messages: UIMessage[], hasMore: boolean, oldestSequence: number): SessionDetail {
  return {
    id: 'session-1',
    created_at: '2026-12-05T12:00:00.000Z',
    updated_at: '2026-12-05T12:00:00.000Z',
    user_id: null,
    title: null,
    messages,
    has_more_messages: hasMore,
    oldest_sequence: messages.length === 0 ? null : oldestSequence,
    total_prompt_tokens: 0,
    total_completion_tokens: 0,
    active_stream: null,
    pending_messages: [],
    operations: [],
  };
}

describe('prependOlder', () => {
  it('puts the older page in front and never shows a message twice', () => {
    const current = [message('c'), message('d')];
    expect(ids(prependOlder(current, [message('a'), message('b'), message('c', 'stale')]))).toEqual(
      ['a', 'b', 'c', 'd'],
    );
    expect(prependOlder(current, [message('c', 'stale')])[0]).toBe(current[0]);
  });
});

describe('mergeNewestPage', () => {
  const loaded = ['a', 'b', 'c', 'd', 'e'].map((id) => message(id));

  it('keeps the older pages in front of a newest page that overlaps them, and the cursor', () => {
    const newest = page([message('d'), message('e', 'finished'), message('f')], true, 4);
    const merged = mergeNewestPage(loaded, newest);
    expect(ids(merged.messages)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(merged.messages[4]).toBe(newest.messages[1]);
    expect(merged.cursor).toBeNull();
  });

  it('starts over from a newest page that shares nothing with what was loaded', () => {
    const newest = page([message('x'), message('y')], true, 90);
    const merged = mergeNewestPage(loaded, newest);
    expect(ids(merged.messages)).toEqual(['x', 'y']);
    expect(merged.cursor).toEqual({ hasMore: true, oldestSequence: 90 });
  });

  it('takes a page holding the whole history as it is', () => {
    const newest = page([message('b'), message('c')], false, 1);
    const merged = mergeNewestPage(loaded, newest);
    expect(ids(merged.messages)).toEqual(['b', 'c']);
    expect(merged.cursor).toEqual({ hasMore: false, oldestSequence: 1 });
    expect(mergeNewestPage(loaded, page([], false, 0)).messages).toEqual([]);
  });
});
