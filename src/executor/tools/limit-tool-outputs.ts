import { getErrorMessage } from '@ai-sdk/provider';
import type { ToolResultOutput } from '@ai-sdk/provider-utils';
import type { Tool, ToolSet } from 'ai';
import {
  isTruncatedToolOutput,
  serializedByteLength,
  truncateText,
  truncateToolOutput,
} from './truncate-tool-output.ts';

type AnyTool = ToolSet[string];
type ExecuteFunction = NonNullable<AnyTool['execute']>;
type ToModelOutput = NonNullable<Tool['toModelOutput']>;

/**
 * The same tools, each cutting what it produces to `maxBytes` of JSON (see
 * `truncateToolOutput`): its output, every preliminary output of a streaming tool, and the text
 * of an error it throws. The cut happens where the SDK receives the value, so the
 * `tool-output-available` chunk, the stored message part folded from the chunks and what the
 * model reads are one and the same value. Pass every tool of a turn through here, including
 * ones added per turn; wrapping twice changes nothing.
 *
 * A tool's `toModelOutput` keeps shaping what the model reads, except for a cut non-string
 * output (which the tool's converter was not written for: the model reads it as JSON), and the
 * text or JSON it returns is cut to the same limit. Tools without `execute` (run by the provider
 * or the client) are left as they are: their output does not pass through this process's tools.
 */
export function limitToolOutputs(tools: ToolSet, maxBytes: number): ToolSet {
  const limited: ToolSet = {};
  for (const [name, tool] of Object.entries(tools)) {
    limited[name] = tool.execute === undefined ? tool : limitTool(tool, tool.execute, maxBytes);
  }
  return limited;
}

function limitTool(tool: AnyTool, execute: ExecuteFunction, maxBytes: number): AnyTool {
  const toModelOutput = (tool as Tool).toModelOutput;
  return {
    ...tool,
    execute: limitExecute(execute, maxBytes),
    ...(toModelOutput === undefined
      ? {}
      : { toModelOutput: limitToModelOutput(toModelOutput, maxBytes) }),
  } as AnyTool;
}

function limitExecute(execute: ExecuteFunction, maxBytes: number): ExecuteFunction {
  return (input, options) => {
    let result: ReturnType<ExecuteFunction>;
    try {
      result = execute(input, options);
    } catch (error) {
      throw limitError(error, maxBytes);
    }
    if (isAsyncIterable(result)) return limitIterable(result, maxBytes);
    return Promise.resolve(result).then(
      (output: unknown) => truncateToolOutput(output, maxBytes),
      (error: unknown) => {
        throw limitError(error, maxBytes);
      },
    );
  };
}

/** A streaming tool's outputs: each preliminary one and the final (last) one. */
async function* limitIterable(
  outputs: AsyncIterable<unknown>,
  maxBytes: number,
): AsyncGenerator<unknown> {
  try {
    for await (const output of outputs) yield truncateToolOutput(output, maxBytes);
  } catch (error) {
    throw limitError(error, maxBytes);
  }
}

/**
 * The SDK shows a thrown value as `getErrorMessage(value)` (`toString()` of an Error, so
 * `Error: …`; the JSON of anything else): when that text is over the limit, an error whose text
 * is the cut text replaces it.
 */
function limitError(error: unknown, maxBytes: number): unknown {
  const text = getErrorMessage(error);
  if (serializedByteLength(text) <= maxBytes) return error;
  return new TruncatedToolError(truncateText(text, maxBytes));
}

/** A tool error cut to the limit; its message is already the whole text the SDK shows. */
class TruncatedToolError extends Error {
  override name = 'TruncatedToolError';

  override toString(): string {
    return this.message;
  }
}

function limitToModelOutput(toModelOutput: ToModelOutput, maxBytes: number): ToModelOutput {
  return async (options) => {
    if (isTruncatedToolOutput(options.output)) return { type: 'json', value: options.output };
    return limitModelOutput(await toModelOutput(options), maxBytes);
  };
}

function limitModelOutput(output: ToolResultOutput, maxBytes: number): ToolResultOutput {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return { ...output, value: truncateText(output.value, maxBytes) };
    case 'json':
    case 'error-json':
      return {
        ...output,
        value: truncateToolOutput(output.value, maxBytes) as typeof output.value,
      };
    default:
      // Content parts (text next to images and files) are the tool's deliberate choice of
      // media; cutting one of them would leave a broken file, not a shorter one.
      return output;
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function'
  );
}
