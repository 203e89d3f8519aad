import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tool, type UIMessage, type UIMessageChunk } from 'ai';
import { z } from 'zod';
import { chunksOf, readSse, textOfChunks } from '../support/read-sse.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createSession } from '../support/test-chat.ts';

const maxToolOutputBytes = 1000;
const markerPattern = /…\[output truncated: [\d.]+ (KB|MB) exceeded the 1000 bytes limit\]/;

/**
 * Stands in for the calculator, which the demo model calls for `calculate …`, and answers far
 * over the limit: an object for `1+1`, a string for `2+2`, a 1 MB error for anything else.
 */
const floodingCalculator = tool({
  description: 'Evaluates an arithmetic expression',
  inputSchema: z.object({ expression: z.string() }),
  execute: async ({ expression }): Promise<unknown> => {
    if (expression === '1+1') return { expression, result: 2, trace: 'é'.repeat(5000) };
    if (expression === '2+2') return `4 ${'because '.repeat(1000)}`;
    throw new Error(`cannot evaluate ${expression}: ${'!'.repeat(1024 * 1024)}`);
  },
});

type ToolPart = Extract<UIMessage['parts'][number], { toolCallId: string }>;

describe('a tool output over MAX_TOOL_OUTPUT_BYTES', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(
      { MAX_TOOL_OUTPUT_BYTES: String(maxToolOutputBytes) },
      { tools: { calculator: floodingCalculator } },
    );
  });
  after(() => server.close());

  /** Sends one message and returns its streamed chunks and the stored tool part of the answer. */
  async function ask(text: string): Promise<{ chunks: UIMessageChunk[]; stored: ToolPart }> {
    const sessionId = await createSession(server.baseUrl);
    const streamed = await readSse(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: text }),
    });
    assert.equal(streamed.status, 200);
    assert.ok(streamed.done);
    const response = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`);
    const { messages } = (await response.json()) as { messages: UIMessage[] };
    const stored = messages
      .find((message) => message.role === 'assistant')
      ?.parts.find((part): part is ToolPart => part.type === 'tool-calculator');
    assert.ok(stored, 'the answer keeps its tool part');
    return { chunks: chunksOf(streamed.events), stored };
  }

  it('streams, stores and shows the model the same cut value, marker included', async () => {
    for (const expression of ['1+1', '2+2']) {
      const { chunks, stored } = await ask(`calculate ${expression}`);
      const outputs = chunks.filter((chunk) => chunk.type === 'tool-output-available');
      assert.equal(outputs.length, 1);
      const streamedOutput = outputs[0]?.output;
      assert.equal(stored.state, 'output-available');
      assert.deepEqual(stored.state === 'output-available' ? stored.output : null, streamedOutput);
      const wire = JSON.stringify(streamedOutput);
      assert.match(wire, markerPattern, `${expression}: the output carries the marker`);
      assert.ok(Buffer.byteLength(wire) <= maxToolOutputBytes, `${expression}: within the limit`);
      // The demo model retells what it read of the tool: the cut value, marker and all.
      assert.match(textOfChunks(chunks), markerPattern, `${expression}: the model read the cut`);
    }
  });

  it('cuts a 1 MB tool error the same way in the stream and the stored message', async () => {
    const { chunks, stored } = await ask('calculate 3+3');
    const errors = chunks.filter((chunk) => chunk.type === 'tool-output-error');
    assert.equal(errors.length, 1);
    const errorText = errors[0]?.errorText ?? '';
    assert.equal(stored.state, 'output-error');
    assert.equal(stored.state === 'output-error' ? stored.errorText : null, errorText);
    assert.match(
      errorText,
      /^Error: cannot evaluate 3\+3: !+\n…\[output truncated: 1\.1 MB exceeded/,
    );
    assert.ok(Buffer.byteLength(JSON.stringify(errorText)) <= maxToolOutputBytes);
    assert.match(textOfChunks(chunks), markerPattern);
  });
});
