import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readUIMessageStream, type UIMessage, type UIMessageChunk, uiMessageChunkSchema } from 'ai';
import { chunksOfMessage, restoredMessageEnd } from './message-chunks.ts';

async function fold(chunks: UIMessageChunk[]): Promise<UIMessage | undefined> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({ stream })) last = message;
  return last;
}

/** What the store gives back: JSON drops the keys the SDK leaves undefined. */
const stored = (message: UIMessage | undefined) => JSON.parse(JSON.stringify(message)) as unknown;

const message: UIMessage = {
  id: 'answer-1',
  role: 'assistant',
  metadata: { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } },
  parts: [
    { type: 'step-start' },
    { type: 'reasoning', id: 'reasoning-1', text: 'thinking', state: 'done' },
    { type: 'text', text: 'Let me check.', state: 'done' },
    {
      type: 'tool-calculator',
      toolCallId: 'call-1',
      state: 'output-available',
      input: { expression: '1+1' },
      output: { expression: '1+1', result: 2 },
    },
    {
      type: 'tool-calculator',
      toolCallId: 'call-2',
      state: 'output-error',
      input: { expression: '1/0' },
      errorText: 'division by zero',
    },
    { type: 'steering-message', id: 'follow-up', parts: [{ type: 'text', text: 'and?' }] },
    { type: 'step-start' },
    {
      type: 'tool-demo_action',
      toolCallId: 'call-3',
      state: 'approval-responded',
      input: { action: 'water the plants' },
      approval: { id: 'approval-3', approved: false, reason: 'not now' },
    },
    {
      type: 'tool-demo_action',
      toolCallId: 'call-4',
      state: 'approval-requested',
      input: { action: 'feed the cat' },
      approval: { id: 'approval-4' },
    },
    {
      type: 'tool-demo_action',
      toolCallId: 'call-5',
      state: 'output-denied',
      input: { action: 'sell the car' },
      approval: { id: 'approval-5', approved: false },
    },
    { type: 'source-url', sourceId: 'source-1', url: 'https://example.com', title: 'Example' },
    { type: 'data-progress', id: 'progress-1', data: { done: 3 } },
  ],
};

describe('chunksOfMessage', () => {
  it('rebuilds the message exactly when the AI SDK reads the chunks from an empty message', async () => {
    assert.deepEqual(stored(await fold(chunksOfMessage(message))), stored(message));
  });

  it('writes only chunks the AI SDK schema accepts', async () => {
    const schema = uiMessageChunkSchema();
    for (const chunk of chunksOfMessage(message)) {
      const result = await schema.validate?.(chunk);
      assert.equal(result?.success, true, JSON.stringify(chunk));
    }
  });

  it('restoredMessageEnd ends the restored message at the next start or at a terminal chunk', () => {
    const restored = chunksOfMessage(message);
    assert.equal(restoredMessageEnd(restored), restored.length);
    assert.equal(
      restoredMessageEnd([...restored, { type: 'start', messageId: 'answer-1' }]),
      restored.length,
    );
    assert.equal(restoredMessageEnd([...restored, { type: 'abort' }]), restored.length);
  });
});
