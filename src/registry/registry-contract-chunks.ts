import type { UIMessageChunk } from 'ai';
import { randomInteger } from './registry-contract-support.ts';

// Text that survives serialisation only when an adapter encodes it correctly.
const words = ['hello', 'naïve', 'durable 😀', '"quoted"', 'line\nbreak', 'tab\there', '', '∑ ≠ ∞'];
const toolNames = ['search_web', 'read_workspace_file', 'run_python'];

/**
 * A realistic AI SDK UI message stream for one turn: `start`, one to three steps of text blocks and
 * tool calls (input streamed as JSON deltas, then input and output available), then `finish`.
 */
export function randomTurnChunks(random: () => number, messageId: string): UIMessageChunk[] {
  const chunks: UIMessageChunk[] = [{ type: 'start', messageId }];
  const steps = randomInteger(random, 1, 3);
  for (let step = 1; step <= steps; step += 1) {
    chunks.push({ type: 'start-step' });
    const parts = randomInteger(random, 1, 3);
    for (let part = 1; part <= parts; part += 1) {
      const id = `${step}-${part}`;
      if (random() < 0.6) chunks.push(...textBlock(random, `text-${id}`));
      else chunks.push(...toolCall(random, `call-${id}`));
    }
    chunks.push({ type: 'finish-step' });
  }
  chunks.push({ type: 'finish', finishReason: steps > 1 ? 'tool-calls' : 'stop' });
  return chunks;
}

function textBlock(random: () => number, id: string): UIMessageChunk[] {
  const deltas: UIMessageChunk[] = Array.from({ length: randomInteger(random, 1, 8) }, () => ({
    type: 'text-delta',
    id,
    delta: `${randomWord(random)} `,
  }));
  return [{ type: 'text-start', id }, ...deltas, { type: 'text-end', id }];
}

function toolCall(random: () => number, toolCallId: string): UIMessageChunk[] {
  const toolName = toolNames[randomInteger(random, 0, toolNames.length - 1)] ?? 'search_web';
  const input = { query: randomWord(random), limit: randomInteger(random, 1, 10) };
  const json = JSON.stringify(input);
  const cuts = [
    0,
    ...Array.from({ length: randomInteger(random, 0, 3) }, () => randomIndex(random, json)),
    json.length,
  ].sort((left, right) => left - right);
  const deltas: UIMessageChunk[] = cuts.slice(1).map((end, index) => ({
    type: 'tool-input-delta',
    toolCallId,
    inputTextDelta: json.slice(cuts[index], end),
  }));
  return [
    { type: 'tool-input-start', toolCallId, toolName },
    ...deltas,
    { type: 'tool-input-available', toolCallId, toolName, input },
    {
      type: 'tool-output-available',
      toolCallId,
      output: { results: [randomWord(random), randomWord(random)], took: random() },
    },
  ];
}

function randomWord(random: () => number): string {
  return words[randomInteger(random, 0, words.length - 1)] ?? 'hello';
}

function randomIndex(random: () => number, text: string): number {
  return randomInteger(random, 0, text.length);
}
