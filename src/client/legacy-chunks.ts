import type { UIMessageChunk } from 'ai';
import type {
  OperationInProgressOutput,
  OperationStartedOutput,
} from '../protocol/operation-outputs.ts';
import type { TurnStreamEvent } from './resumable-turn-stream.ts';

/**
 * The chunk shapes of the CoPilot frontend durable-chat grew from (snake_case, one type per
 * event), for teams whose UI still consumes them. New code should use the AI SDK chunks.
 */
export type LegacyChunk =
  /** `taskId` is the turn id: with a position it forms the `Last-Event-ID` of a resume. */
  | { type: 'stream_start'; taskId: string; messageId?: string }
  | { type: 'text_chunk'; content: string }
  | { type: 'text_ended' }
  | {
      type: 'tool_call_start';
      tool_id: string;
      tool_name: string;
      arguments: Record<string, unknown>;
    }
  | { type: 'tool_response'; tool_id: string; tool_name: string; result: unknown; success: boolean }
  /**
   * A long-running tool started an operation; its result arrives later in a continuation turn.
   * `task_id` is what the seed reconnected with: here the operation id, whose continuation
   * streams at `GET /api/chat/operations/{operation_id}/stream`.
   */
  | {
      type: 'operation_started';
      tool_name: string;
      operation_id: string;
      task_id: string;
      message: string;
    }
  /** The same tool with the same input was called while `operation_id` still runs. */
  | {
      type: 'operation_in_progress';
      tool_name: string;
      operation_id: string;
      tool_call_id: string;
      message: string;
    }
  | { type: 'usage'; promptTokens: number; completionTokens: number; totalTokens: number }
  | { type: 'error'; message: string }
  /** `reason: 'stopped'` when the user stopped the turn (the seed had no stop; older UIs ignore it). */
  | { type: 'stream_end'; reason?: 'stopped' };

/**
 * Maps AI SDK UI message chunks to legacy chunks, one turn at a time (create one per turn).
 *
 * The mapping, for teams migrating:
 * - `start` → `stream_start` (`taskId` = turn id, when known); `text-delta` → `text_chunk`;
 *   `text-end` → `text_ended`.
 * - `tool-input-start` → `tool_call_start` with empty `arguments`, then `tool-input-available`
 *   → `tool_call_start` again with the full arguments and the same `tool_id` (as the seed did:
 *   legacy UIs upsert by `tool_id`).
 * - `tool-output-available` → `tool_response` `success: true` (preliminary outputs are skipped);
 *   when the output says a long-running operation started (`operation_started`) or is already
 *   running (`operation_in_progress`), the seed's chunk of that name follows it, as the seed's
 *   UI read it out of the tool response. The seed's `operation_pending` was the placeholder the
 *   model read in the history, never a chunk: nothing maps to it. How the operation ended is
 *   not a chunk of the turn that started it: it is the continuation turn (its own stream).
 *   `tool-output-error`, `tool-input-error`, `tool-output-denied` → `tool_response`
 *   `success: false` with the error text as `result`. AI SDK output chunks carry no tool name:
 *   the converter remembers it from the call.
 * - Usage is not a chunk of its own in AI SDK 7: durable-chat sends it as message metadata
 *   (`messageMetadata.usage` = `{inputTokens, outputTokens, totalTokens}`) on `finish` or
 *   `message-metadata`, which become `usage` (`promptTokens` = input, `completionTokens` = output).
 * - `error` → `error`; `finish` → `usage` (when present) then `stream_end`; `abort` (a stop) →
 *   `stream_end` with `reason: 'stopped'`.
 * - Everything without a legacy equivalent (reasoning, sources, files, `data-*`, steps, tool
 *   input deltas, approvals) yields nothing.
 */
export class LegacyChunkConverter {
  readonly #toolNames = new Map<string, string>();
  #usageSent = false;

  convert(chunk: UIMessageChunk, turnId?: string): LegacyChunk[] {
    switch (chunk.type) {
      case 'start':
        return [
          {
            type: 'stream_start',
            taskId: turnId ?? '',
            ...(chunk.messageId ? { messageId: chunk.messageId } : {}),
          },
        ];
      case 'text-delta':
        return [{ type: 'text_chunk', content: chunk.delta }];
      case 'text-end':
        return [{ type: 'text_ended' }];
      case 'tool-input-start':
        this.#toolNames.set(chunk.toolCallId, chunk.toolName);
        return [this.#toolCall(chunk.toolCallId, chunk.toolName, {})];
      case 'tool-input-available':
        this.#toolNames.set(chunk.toolCallId, chunk.toolName);
        return [this.#toolCall(chunk.toolCallId, chunk.toolName, chunk.input)];
      case 'tool-input-error':
        this.#toolNames.set(chunk.toolCallId, chunk.toolName);
        return [this.#toolResponse(chunk.toolCallId, chunk.errorText, false)];
      case 'tool-output-available':
        return chunk.preliminary
          ? []
          : [
              this.#toolResponse(chunk.toolCallId, chunk.output, true),
              ...operationChunks(chunk.toolCallId, chunk.output),
            ];
      case 'tool-output-error':
        return [this.#toolResponse(chunk.toolCallId, chunk.errorText, false)];
      case 'tool-output-denied':
        return [this.#toolResponse(chunk.toolCallId, 'The tool call was denied.', false)];
      case 'message-metadata':
        return this.#usage(chunk.messageMetadata);
      case 'error':
        return [{ type: 'error', message: chunk.errorText }];
      case 'finish':
        return [...this.#usage(chunk.messageMetadata), { type: 'stream_end' }];
      case 'abort':
        return [{ type: 'stream_end', reason: 'stopped' }];
      default:
        return [];
    }
  }

  #toolCall(toolId: string, toolName: string, input: unknown): LegacyChunk {
    const argumentsObject =
      typeof input === 'object' && input !== null && !Array.isArray(input)
        ? (input as Record<string, unknown>)
        : { input };
    return {
      type: 'tool_call_start',
      tool_id: toolId,
      tool_name: toolName,
      arguments: argumentsObject,
    };
  }

  #toolResponse(toolId: string, result: unknown, success: boolean): LegacyChunk {
    const toolName = this.#toolNames.get(toolId) ?? '';
    return { type: 'tool_response', tool_id: toolId, tool_name: toolName, result, success };
  }

  /** At most one `usage` per turn: the totals arrive on `message-metadata` and on `finish`. */
  #usage(metadata: unknown): LegacyChunk[] {
    if (this.#usageSent || typeof metadata !== 'object' || metadata === null) return [];
    const usage = (metadata as { usage?: unknown }).usage;
    if (typeof usage !== 'object' || usage === null) return [];
    const { inputTokens, outputTokens, totalTokens } = usage as Record<string, unknown>;
    const count = (value: unknown) => (typeof value === 'number' ? value : 0);
    this.#usageSent = true;
    return [
      {
        type: 'usage',
        promptTokens: count(inputTokens),
        completionTokens: count(outputTokens),
        totalTokens:
          typeof totalTokens === 'number' ? totalTokens : count(inputTokens) + count(outputTokens),
      },
    ];
  }
}

function operationChunks(toolCallId: string, output: unknown): LegacyChunk[] {
  if (typeof output !== 'object' || output === null) return [];
  const { type } = output as { type?: unknown };
  if (type === 'operation_started') {
    const started = output as OperationStartedOutput;
    return [
      {
        type: 'operation_started',
        tool_name: started.tool_name,
        operation_id: started.operation_id,
        task_id: started.operation_id,
        message: started.message,
      },
    ];
  }
  if (type === 'operation_in_progress') {
    const inProgress = output as OperationInProgressOutput;
    return [
      {
        type: 'operation_in_progress',
        tool_name: inProgress.tool_name,
        operation_id: inProgress.operation_id,
        tool_call_id: toolCallId,
        message: inProgress.message,
      },
    ];
  }
  return [];
}

/** A turn's events as legacy chunks, e.g. `for await (const c of toLegacyChunks(stream))`. */
export async function* toLegacyChunks(
  events: AsyncIterable<TurnStreamEvent>,
): AsyncGenerator<LegacyChunk> {
  const converter = new LegacyChunkConverter();
  for await (const { chunk, turnId } of events) yield* converter.convert(chunk, turnId);
}
