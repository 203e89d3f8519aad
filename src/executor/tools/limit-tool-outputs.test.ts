import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getErrorMessage } from '@ai-sdk/provider';
import { type Tool, tool, type ToolSet } from 'ai';
import { z } from 'zod';
import { limitToolOutputs } from './limit-tool-outputs.ts';
import { isTruncatedToolOutput, serializedByteLength } from './truncate-tool-output.ts';

const maxBytes = 1000;
const callOptions = { toolCallId: 'call-1', messages: [], context: {} };
const input = z.object({ size: z.number() });

/** Runs a limited tool's `execute` the way the SDK does: awaited, or drained when it streams. */
async function outputsOf(tools: ToolSet, name: string, size = 0): Promise<unknown[]> {
  const result = await tools[name]?.execute?.({ size }, callOptions);
  if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result) {
    const outputs: unknown[] = [];
    for await (const output of result as AsyncIterable<unknown>) outputs.push(output);
    return outputs;
  }
  return [result];
}

describe('limitToolOutputs', () => {
  it('cuts an output over the limit and returns one within it untouched', async () => {
    const small = { rows: [1, 2, 3] };
    const tools = limitToolOutputs(
      {
        text: tool({ inputSchema: input, execute: ({ size }) => 'x'.repeat(size) }),
        object: tool({
          inputSchema: input,
          execute: async ({ size }) => (size === 0 ? small : { rows: Array(size).fill(7) }),
        }),
      },
      maxBytes,
    );
    const [cutText] = await outputsOf(tools, 'text', 5000);
    assert.match(
      cutText as string,
      /^x+\n…\[output truncated: 4\.9 KB exceeded the 1000 bytes limit\]$/,
    );
    assert.ok(serializedByteLength(cutText) <= maxBytes);
    assert.deepEqual(await outputsOf(tools, 'text', 10), ['x'.repeat(10)]);
    const [cutObject] = await outputsOf(tools, 'object', 5000);
    assert.ok(isTruncatedToolOutput(cutObject));
    assert.ok(cutObject.preview.startsWith('{"rows":[7,7,'));
    assert.equal((await outputsOf(tools, 'object'))[0], small);
  });

  it('cuts the text the SDK shows of a thrown error, sync or async, and rethrows a small one as it is', async () => {
    const huge = 'e'.repeat(1024 * 1024);
    const small = new Error('division by zero');
    const tools = limitToolOutputs(
      {
        rejects: tool({
          inputSchema: input,
          execute: async ({ size }): Promise<string> => {
            throw size === 0 ? small : new Error(huge);
          },
        }),
        throws: tool({
          inputSchema: input,
          execute: (): string => {
            throw new Error(huge);
          },
        }),
        throwsObject: tool({
          inputSchema: input,
          execute: (): string => {
            throw { detail: huge };
          },
        }),
      },
      maxBytes,
    );
    for (const name of ['rejects', 'throws', 'throwsObject']) {
      await assert.rejects(outputsOf(tools, name, 1), (error: unknown) => {
        // What the SDK puts in `tool-output-error` and hands the model.
        const text = getErrorMessage(error);
        assert.match(
          text,
          /^(Error: |\{"detail":")e+\n…\[output truncated: 1\.1 MB exceeded the 1000 bytes limit\]$/,
        );
        assert.ok(serializedByteLength(text) <= maxBytes);
        assert.ok(serializedByteLength(text) > maxBytes - 2, 'keeps as much as fits');
        return true;
      });
    }
    await assert.rejects(outputsOf(tools, 'rejects'), (error) => error === small);
  });

  it('cuts every output of a streaming tool, preliminary and final', async () => {
    const tools = limitToolOutputs(
      {
        streams: tool({
          inputSchema: input,
          async *execute({ size }) {
            yield { status: 'working', log: 'l'.repeat(size) };
            yield { status: 'done', log: 'short' };
          },
        }),
      },
      maxBytes,
    );
    const [preliminary, final] = await outputsOf(tools, 'streams', 5000);
    assert.ok(isTruncatedToolOutput(preliminary));
    assert.deepEqual(final, { status: 'done', log: 'short' });
  });

  it("keeps the tool's toModelOutput, cuts what it returns, and bypasses it for a cut object", async () => {
    const seen: unknown[] = [];
    const tools = limitToolOutputs(
      {
        shaped: tool({
          inputSchema: input,
          execute: async ({ size }) => ({ lines: Array(size).fill('line') }),
          toModelOutput: ({ output }) => {
            seen.push(output);
            return { type: 'text', value: output.lines.join('\n') };
          },
        }),
      },
      maxBytes,
    );
    const toModelOutput = (tools.shaped as Tool).toModelOutput;
    assert.ok(toModelOutput);
    const short = await toModelOutput({
      toolCallId: 'c',
      input: {},
      output: { lines: ['a', 'b'] },
    });
    assert.deepEqual(short, { type: 'text', value: 'a\nb' });
    const long = await toModelOutput({
      toolCallId: 'c',
      input: {},
      output: { lines: Array(50).fill('x'.repeat(100)) },
    });
    assert.equal(long.type, 'text');
    assert.match(
      long.type === 'text' ? long.value : '',
      /…\[output truncated: .* exceeded the 1000 bytes limit\]$/,
    );
    seen.length = 0;
    const [cut] = await outputsOf(tools, 'shaped', 500);
    assert.deepEqual(await toModelOutput({ toolCallId: 'c', input: {}, output: cut }), {
      type: 'json',
      value: cut,
    });
    assert.deepEqual(seen, [], "the tool's converter never sees the cut shape");
  });

  it('leaves tools without execute alone, and wrapping twice cuts the same way as once', async () => {
    const clientSide = tool({ inputSchema: input, outputSchema: z.string() });
    const big = tool({ inputSchema: input, execute: ({ size }) => 'é'.repeat(size) });
    const once = limitToolOutputs({ clientSide, big }, maxBytes);
    assert.equal(once.clientSide, clientSide);
    const twice = limitToolOutputs(once, maxBytes);
    assert.deepEqual(await outputsOf(twice, 'big', 3000), await outputsOf(once, 'big', 3000));
  });
});
