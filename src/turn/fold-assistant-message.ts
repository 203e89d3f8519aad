import { readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { mergeConsecutiveDeltas } from '../protocol/merge-deltas.ts';

/**
 * The assistant message a turn's chunks describe, folded by the AI SDK's own reader — the same
 * code `useChat` runs — so the persisted message is exactly what a client ends up with.
 * Null when the chunks carry no parts (e.g. a turn cancelled before it started).
 */
export async function foldAssistantMessage(
  chunks: readonly UIMessageChunk[],
  assistantMessageId: string,
): Promise<UIMessage | null> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      // Folding merged deltas gives the same message; one chunk per token made this the main
      // per-turn cost after the model itself (the reader snapshots the message at every chunk).
      for (const chunk of mergeConsecutiveDeltas(chunks)) controller.enqueue(chunk);
      controller.close();
    },
  });
  let last: UIMessage | undefined;
  for await (const message of readUIMessageStream({
    message: { id: assistantMessageId, role: 'assistant', parts: [] },
    stream,
    onError: () => undefined,
  })) {
    last = message;
  }
  if (!last || last.parts.length === 0) return null;
  return { ...structuredClone(last), id: assistantMessageId, role: 'assistant' };
}
