import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UIMessageChunk } from 'ai';
import { foldAssistantMessage } from '../turn/fold-assistant-message.ts';
import { mergeConsecutiveDeltas, mergeDeltas } from './merge-deltas.ts';

const text = (id: string, delta: string): UIMessageChunk => ({ type: 'text-delta', id, delta });

describe('mergeDeltas', () => {
  it('merges only consecutive deltas of the same part without provider metadata', () => {
    assert.deepEqual(mergeDeltas(text('a', 'x'), text('a', 'y')), text('a', 'xy'));
    assert.equal(mergeDeltas(text('a', 'x'), text('b', 'y')), null);
    assert.equal(mergeDeltas(text('a', 'x'), { type: 'text-end', id: 'a' }), null);
    assert.equal(
      mergeDeltas(text('a', 'x'), {
        type: 'text-delta',
        id: 'a',
        delta: 'y',
        providerMetadata: { p: {} },
      }),
      null,
    );
    assert.deepEqual(
      mergeDeltas(
        { type: 'tool-input-delta', toolCallId: 'c', inputTextDelta: '{"a' },
        { type: 'tool-input-delta', toolCallId: 'c', inputTextDelta: '":1}' },
      ),
      { type: 'tool-input-delta', toolCallId: 'c', inputTextDelta: '{"a":1}' },
    );
  });
});

describe('mergeConsecutiveDeltas', () => {
  /** Reasoning, a tool call with streamed input, text with and without provider metadata. */
  const turn: UIMessageChunk[] = [
    { type: 'start', messageId: 'm' },
    { type: 'start-step' },
    { type: 'reasoning-start', id: 'r' },
    { type: 'reasoning-delta', id: 'r', delta: 'Let me ' },
    { type: 'reasoning-delta', id: 'r', delta: 'think.' },
    { type: 'reasoning-end', id: 'r' },
    { type: 'tool-input-start', toolCallId: 'c', toolName: 'calculator' },
    { type: 'tool-input-delta', toolCallId: 'c', inputTextDelta: '{"expression":' },
    { type: 'tool-input-delta', toolCallId: 'c', inputTextDelta: '"12*(3+4)"}' },
    {
      type: 'tool-input-available',
      toolCallId: 'c',
      toolName: 'calculator',
      input: { expression: '12*(3+4)' },
    },
    { type: 'tool-output-available', toolCallId: 'c', output: { result: 84 } },
    { type: 'finish-step' },
    { type: 'start-step' },
    { type: 'text-start', id: 't' },
    ...Array.from({ length: 20 }, (_, index) => text('t', `word${index} `)),
    { type: 'text-delta', id: 't', delta: 'tagged ', providerMetadata: { demo: { n: 1 } } },
    text('t', 'end.'),
    { type: 'text-end', id: 't' },
    { type: 'finish-step' },
    { type: 'finish', messageMetadata: { usage: { inputTokens: 3, outputTokens: 24 } } },
  ];

  it('merges runs of deltas, keeping every other chunk and the order', () => {
    const merged = mergeConsecutiveDeltas(turn);
    assert.deepEqual(
      merged.map((chunk) => chunk.type),
      [
        'start',
        'start-step',
        'reasoning-start',
        'reasoning-delta',
        'reasoning-end',
        'tool-input-start',
        'tool-input-delta',
        'tool-input-available',
        'tool-output-available',
        'finish-step',
        'start-step',
        'text-start',
        'text-delta',
        'text-delta',
        'text-delta',
        'text-end',
        'finish-step',
        'finish',
      ],
    );
    const deltas = (chunks: UIMessageChunk[]) =>
      chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : []));
    assert.deepEqual(deltas(merged), [
      Array.from({ length: 20 }, (_, index) => `word${index} `).join(''),
      'tagged ',
      'end.',
    ]);
  });

  it('folds to exactly the message the unmerged chunks fold to', async () => {
    assert.deepEqual(
      await foldAssistantMessage(mergeConsecutiveDeltas(turn), 'm'),
      await foldAssistantMessage(turn, 'm'),
    );
  });

  it('leaves the chunks it was given unchanged', () => {
    const copy = structuredClone(turn);
    mergeConsecutiveDeltas(turn);
    assert.deepEqual(turn, copy);
  });
});
