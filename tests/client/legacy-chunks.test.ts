import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { UIMessageChunk } from 'ai';
import {
  type LegacyChunk,
  LegacyChunkConverter,
  type TurnStreamEvent,
  toLegacyChunks,
} from '../../src/client/index.ts';

const usage = { inputTokens: 12, outputTokens: 48, totalTokens: 60 };

/** Every AI SDK 7 chunk type, and what a legacy client receives for it. */
const cases: [string, UIMessageChunk, LegacyChunk[]][] = [
  [
    'start',
    { type: 'start', messageId: 'm1' },
    [{ type: 'stream_start', taskId: 't1', messageId: 'm1' }],
  ],
  ['text-start', { type: 'text-start', id: 'x' }, []],
  [
    'text-delta',
    { type: 'text-delta', id: 'x', delta: 'Hel' },
    [{ type: 'text_chunk', content: 'Hel' }],
  ],
  ['text-end', { type: 'text-end', id: 'x' }, [{ type: 'text_ended' }]],
  ['reasoning-start', { type: 'reasoning-start', id: 'r' }, []],
  ['reasoning-delta', { type: 'reasoning-delta', id: 'r', delta: 'hmm' }, []],
  ['reasoning-end', { type: 'reasoning-end', id: 'r' }, []],
  ['custom', { type: 'custom', kind: 'acme.thing' }, []],
  [
    'tool-input-start',
    { type: 'tool-input-start', toolCallId: 'c1', toolName: 'calculator' },
    [{ type: 'tool_call_start', tool_id: 'c1', tool_name: 'calculator', arguments: {} }],
  ],
  ['tool-input-delta', { type: 'tool-input-delta', toolCallId: 'c1', inputTextDelta: '{"ex' }, []],
  [
    'tool-input-available',
    {
      type: 'tool-input-available',
      toolCallId: 'c1',
      toolName: 'calculator',
      input: { expression: '1+1' },
    },
    [
      {
        type: 'tool_call_start',
        tool_id: 'c1',
        tool_name: 'calculator',
        arguments: { expression: '1+1' },
      },
    ],
  ],
  [
    'tool-output-available',
    { type: 'tool-output-available', toolCallId: 'c1', output: { result: 2 } },
    [
      {
        type: 'tool_response',
        tool_id: 'c1',
        tool_name: 'calculator',
        result: { result: 2 },
        success: true,
      },
    ],
  ],
  [
    'tool-output-available (an operation started)',
    {
      type: 'tool-output-available',
      toolCallId: 'c1',
      output: {
        type: 'operation_started',
        operation_id: 'op-1',
        tool_name: 'calculator',
        status: 'running',
        message: 'Started calculator.',
      },
    },
    [
      {
        type: 'tool_response',
        tool_id: 'c1',
        tool_name: 'calculator',
        result: {
          type: 'operation_started',
          operation_id: 'op-1',
          tool_name: 'calculator',
          status: 'running',
          message: 'Started calculator.',
        },
        success: true,
      },
      {
        type: 'operation_started',
        tool_name: 'calculator',
        operation_id: 'op-1',
        task_id: 'op-1',
        message: 'Started calculator.',
      },
    ],
  ],
  [
    'tool-output-available (the operation already runs)',
    {
      type: 'tool-output-available',
      toolCallId: 'c1',
      output: {
        type: 'operation_in_progress',
        operation_id: 'op-1',
        tool_name: 'calculator',
        message: 'Already in progress.',
      },
    },
    [
      {
        type: 'tool_response',
        tool_id: 'c1',
        tool_name: 'calculator',
        result: {
          type: 'operation_in_progress',
          operation_id: 'op-1',
          tool_name: 'calculator',
          message: 'Already in progress.',
        },
        success: true,
      },
      {
        type: 'operation_in_progress',
        tool_name: 'calculator',
        operation_id: 'op-1',
        tool_call_id: 'c1',
        message: 'Already in progress.',
      },
    ],
  ],
  [
    'tool-output-available (preliminary)',
    { type: 'tool-output-available', toolCallId: 'c1', output: 1, preliminary: true },
    [],
  ],
  [
    'tool-output-error',
    { type: 'tool-output-error', toolCallId: 'c1', errorText: 'division by zero' },
    [
      {
        type: 'tool_response',
        tool_id: 'c1',
        tool_name: 'calculator',
        result: 'division by zero',
        success: false,
      },
    ],
  ],
  [
    'tool-input-error',
    {
      type: 'tool-input-error',
      toolCallId: 'c2',
      toolName: 'clock',
      input: 'bad',
      errorText: 'invalid input',
    },
    [
      {
        type: 'tool_response',
        tool_id: 'c2',
        tool_name: 'clock',
        result: 'invalid input',
        success: false,
      },
    ],
  ],
  [
    'tool-output-denied',
    { type: 'tool-output-denied', toolCallId: 'c2' },
    [
      {
        type: 'tool_response',
        tool_id: 'c2',
        tool_name: 'clock',
        result: 'The tool call was denied.',
        success: false,
      },
    ],
  ],
  [
    'tool-approval-request',
    { type: 'tool-approval-request', approvalId: 'a', toolCallId: 'c3' },
    [],
  ],
  [
    'tool-approval-response',
    { type: 'tool-approval-response', approvalId: 'a', approved: true },
    [],
  ],
  ['source-url', { type: 'source-url', sourceId: 's', url: 'https://example.com' }, []],
  [
    'source-document',
    { type: 'source-document', sourceId: 's', mediaType: 'text/plain', title: 'doc' },
    [],
  ],
  ['file', { type: 'file', url: 'data:,x', mediaType: 'text/plain' }, []],
  ['reasoning-file', { type: 'reasoning-file', url: 'data:,x', mediaType: 'text/plain' }, []],
  ['data-*', { type: 'data-weather', data: { city: 'Oslo' } }, []],
  ['steering-message', { type: 'steering-message', id: 'u', parts: [] }, []],
  ['start-step', { type: 'start-step' }, []],
  ['finish-step', { type: 'finish-step' }, []],
  ['reset-step', { type: 'reset-step' }, []],
  [
    'message-metadata',
    { type: 'message-metadata', messageMetadata: { usage } },
    [{ type: 'usage', promptTokens: 12, completionTokens: 48, totalTokens: 60 }],
  ],
  [
    'error',
    { type: 'error', errorText: 'The model failed.' },
    [{ type: 'error', message: 'The model failed.' }],
  ],
  [
    'abort',
    { type: 'abort', reason: 'stopped by the user' },
    [{ type: 'stream_end', reason: 'stopped' }],
  ],
  ['finish', { type: 'finish', finishReason: 'stop' }, [{ type: 'stream_end' }]],
];

describe('legacy chunk normalisation', () => {
  it('maps every chunk type of a turn, remembering tool names for their outputs', () => {
    const converter = new LegacyChunkConverter();
    for (const [label, chunk, expected] of cases) {
      assert.deepEqual(converter.convert(chunk, 't1'), expected, label);
    }
  });

  it('has a case for every chunk type of AI SDK 7 (the record fails to compile when one is added)', () => {
    const everyType: Record<Exclude<UIMessageChunk['type'], `data-${string}`> | 'data-*', true> = {
      start: true,
      'text-start': true,
      'text-delta': true,
      'text-end': true,
      'reasoning-start': true,
      'reasoning-delta': true,
      'reasoning-end': true,
      custom: true,
      error: true,
      'tool-input-available': true,
      'tool-input-error': true,
      'tool-approval-request': true,
      'tool-approval-response': true,
      'tool-output-available': true,
      'tool-output-error': true,
      'tool-output-denied': true,
      'tool-input-start': true,
      'tool-input-delta': true,
      'source-url': true,
      'source-document': true,
      file: true,
      'reasoning-file': true,
      'data-*': true,
      'steering-message': true,
      'start-step': true,
      'finish-step': true,
      'reset-step': true,
      finish: true,
      abort: true,
      'message-metadata': true,
    };
    const covered = new Set(cases.map(([label]) => label.split(' ')[0]));
    for (const type of Object.keys(everyType)) assert.ok(covered.has(type), `no case for ${type}`);
  });

  it('turns usage from finish metadata into a usage chunk before stream_end, once per turn', () => {
    const converter = new LegacyChunkConverter();
    assert.deepEqual(
      converter.convert({ type: 'finish', messageMetadata: { usage, finishReason: 'stop' } }),
      [
        { type: 'usage', promptTokens: 12, completionTokens: 48, totalTokens: 60 },
        { type: 'stream_end' },
      ],
    );
    assert.deepEqual(
      converter.convert({ type: 'message-metadata', messageMetadata: { usage } }),
      [],
    );
    const partial = new LegacyChunkConverter().convert({
      type: 'message-metadata',
      messageMetadata: { usage: { inputTokens: 3, outputTokens: 4 } },
    });
    assert.deepEqual(partial, [
      { type: 'usage', promptTokens: 3, completionTokens: 4, totalTokens: 7 },
    ]);
    assert.deepEqual(
      new LegacyChunkConverter().convert({
        type: 'message-metadata',
        messageMetadata: { other: 1 },
      }),
      [],
    );
  });

  it('wraps non-object tool input so arguments stay an object', () => {
    const [call] = new LegacyChunkConverter().convert({
      type: 'tool-input-available',
      toolCallId: 'c',
      toolName: 'echo',
      input: 'plain text',
    });
    assert.deepEqual(call, {
      type: 'tool_call_start',
      tool_id: 'c',
      tool_name: 'echo',
      arguments: { input: 'plain text' },
    });
  });

  it('converts a whole turn stream, with the turn id as the task id', async () => {
    async function* events(): AsyncGenerator<TurnStreamEvent> {
      const chunks: UIMessageChunk[] = [
        { type: 'start', messageId: 'm' },
        { type: 'text-start', id: 'a' },
        { type: 'text-delta', id: 'a', delta: 'Hi' },
        { type: 'text-end', id: 'a' },
        { type: 'finish', messageMetadata: { usage } },
      ];
      for (const [index, chunk] of chunks.entries())
        yield { turnId: 'turn-9', position: index + 1, chunk };
    }
    const legacy: LegacyChunk[] = [];
    for await (const chunk of toLegacyChunks(events())) legacy.push(chunk);
    assert.deepEqual(legacy, [
      { type: 'stream_start', taskId: 'turn-9', messageId: 'm' },
      { type: 'text_chunk', content: 'Hi' },
      { type: 'text_ended' },
      { type: 'usage', promptTokens: 12, completionTokens: 48, totalTokens: 60 },
      { type: 'stream_end' },
    ]);
  });
});
