import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
  LanguageModelV4ToolResultOutput,
} from '@ai-sdk/provider';
import { isAttachedFileText } from './attached-file-text.ts';
import { parseDemoCallDirective } from './demo-call-directive.ts';
import { quoteAttachedFiles } from './quote-attached-files.ts';
import { demoStepToolName, planDemoSteps } from './demo-steps.ts';

/** The demo's long-running tool (`executor/tools/demo-operation.ts`), called on `[demo:operation]`. */
export const demoOperationToolName = 'demo_operation';

/**
 * What the demo model will answer to one prompt. A pure function of the prompt and the offered
 * tools: the same input always yields the same plan, which is what makes the demo model usable
 * as a test fixture.
 */
export type DemoResponsePlan =
  | { kind: 'fatal'; message: string }
  | {
      kind: 'text';
      words: string[];
      /** Word indexes before which the slow mode inserts a long silence. */
      silenceBeforeWords: number[];
      /** When set, the stream breaks with this error after `words.length / 2` words. */
      transientErrorMessage?: string;
      /** The first call with this very prompt fails before any text; later ones answer. */
      failsFirstAttempt?: boolean;
      /** A tool call that follows the text and ends the step (a `[demo:steps]` step). */
      toolCall?: DemoToolCall;
    }
  | ({ kind: 'tool-call' } & DemoToolCall);

export interface DemoToolCall {
  toolCallId: string;
  toolName: string;
  input: Record<string, unknown>;
}

/** The demo-only tool a `[demo:approval]` message makes the demo model call; it needs approval. */
export const demoActionToolName = 'demo_action';

export const demoFatalErrorMessage =
  'demo fatal error: upstream credential sk-demo-secret rejected';
export const demoTransientErrorMessage = 'demo transient error: connection reset by upstream';
export const demoFlakyErrorMessage = 'demo flaky error: the first attempt at this prompt fails';

const maximumWords = 100_000;
const quotedPrefixLength = 60;
const directivePattern = /\[demo:[^\]]*\]/gi;
const fillerVocabulary = (
  'durable streams resume exactly where they stopped every chunk keeps its position ' +
  'workers hold leases while turns run the registry remembers each token so a reader can ' +
  'attach late and still see everything in order nothing is lost when browser closes or ' +
  'network drops answer continues on server until it completes cancel reaches worker ' +
  'quickly partial text saved before terminal event published once only'
).split(' ');

/** Decides the demo model's answer to a prompt; see the demo model's documentation for the directives. */
export function planDemoResponse(
  prompt: LanguageModelV4Prompt,
  offeredTools: LanguageModelV4CallOptions['tools'],
  defaultAnswerWords: number,
): DemoResponsePlan {
  const toolNames = new Set((offeredTools ?? []).map((offered) => offered.name));
  const steps = planDemoSteps(prompt, toolNames);
  if (steps !== undefined) {
    const { words, stepCall } = steps;
    return {
      kind: 'text',
      words,
      silenceBeforeWords: [],
      ...(stepCall === undefined
        ? {}
        : {
            toolCall: {
              toolCallId: `call_demo_step_${countAssistantMessages(prompt)}_${stepCall.step}`,
              toolName: demoStepToolName,
              input: { ...stepCall },
            },
          }),
    };
  }
  const lastMessage = prompt.at(-1);
  if (lastMessage?.role === 'tool') {
    return {
      kind: 'text',
      words: splitWords(describeToolResults(lastMessage)),
      silenceBeforeWords: [],
    };
  }
  if (lastMessage?.role === 'system' && operationEndedPattern.test(lastMessage.content)) {
    return {
      kind: 'text',
      words: splitWords(describeOperationEnding(lastMessage.content)),
      silenceBeforeWords: [],
    };
  }
  const userText = lastUserText(prompt);
  const lowered = userText.toLowerCase();
  const hash = hashText(userText);
  if (lowered.includes('[demo:fatal]')) return { kind: 'fatal', message: demoFatalErrorMessage };

  const plainText = userText.replace(directivePattern, ' ').replace(/\s+/g, ' ').trim();
  const toolCallId = `call_demo_${hash.toString(16).padStart(8, '0')}_${countAssistantMessages(prompt)}`;
  if (toolNames.has(demoActionToolName) && lowered.includes('[demo:approval]')) {
    const action = plainText.slice(0, 200) || 'the demo action';
    return { kind: 'tool-call', toolCallId, toolName: demoActionToolName, input: { action } };
  }
  if (toolNames.has('calculator')) {
    const expression =
      arithmeticRequest(plainText) ??
      (lowered.includes('[demo:tool]') ? expressionFromHash(hash) : undefined);
    if (expression !== undefined)
      return { kind: 'tool-call', toolCallId, toolName: 'calculator', input: { expression } };
  }
  if (toolNames.has(demoOperationToolName) && lowered.includes('[demo:operation')) {
    return {
      kind: 'tool-call',
      toolCallId,
      toolName: demoOperationToolName,
      input: {
        task: plainText.slice(0, 200) || 'the demo task',
        outcome: lowered.includes('[demo:operation=fail]') ? 'failure' : 'success',
      },
    };
  }
  // Any offered tool, by name, with the given input: how tests drive configured (HTTP) tools.
  const called = parseDemoCallDirective(userText);
  if (called !== undefined && toolNames.has(called.toolName)) {
    return { kind: 'tool-call', toolCallId, ...called };
  }
  if (
    toolNames.has('current_time') &&
    (lowered.includes('[demo:time]') || asksForTheTime(lowered))
  ) {
    const timeZone = /\b(?:in|for)\s+([A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+|UTC)\b/.exec(plainText)?.[1];
    return {
      kind: 'tool-call',
      toolCallId,
      toolName: 'current_time',
      input: timeZone === undefined ? {} : { timeZone },
    };
  }

  const words = [
    ...splitWords(quoteAttachedFiles(lastUserParts(prompt))),
    ...answerWords(plainText, hash, wordCountFor(lowered, defaultAnswerWords)),
  ];
  const plan: DemoResponsePlan = {
    kind: 'text',
    words,
    silenceBeforeWords: lowered.includes('[demo:slow]') ? [0, Math.floor(words.length / 2)] : [],
  };
  if (lowered.includes('[demo:transient]')) plan.transientErrorMessage = demoTransientErrorMessage;
  if (lowered.includes('[demo:flaky]')) plan.failsFirstAttempt = true;
  return plan;
}

/** Rough token count of a prompt: whitespace-separated words of everything the model reads. */
export function countPromptWords(prompt: LanguageModelV4Prompt): number {
  let count = 0;
  for (const message of prompt) {
    if (message.role === 'system') {
      count += splitWords(message.content).length;
      continue;
    }
    for (const part of message.content) {
      if (part.type === 'text' || part.type === 'reasoning') count += splitWords(part.text).length;
      else if (part.type === 'tool-call') count += splitWords(JSON.stringify(part.input)).length;
      else if (part.type === 'tool-result') count += splitWords(JSON.stringify(part.output)).length;
    }
  }
  return count;
}

/** What the user wrote last: the text of the last user message, without its attached files. */
function lastUserText(prompt: LanguageModelV4Prompt): string {
  return lastUserParts(prompt)
    .map((part) => (part.type === 'text' && !isAttachedFileText(part.text) ? part.text : ''))
    .join(' ');
}

function lastUserParts(prompt: LanguageModelV4Prompt) {
  for (let index = prompt.length - 1; index >= 0; index -= 1) {
    const message = prompt[index];
    if (message?.role === 'user') return message.content;
  }
  return [];
}

function countAssistantMessages(prompt: LanguageModelV4Prompt): number {
  return prompt.filter((message) => message.role === 'assistant').length;
}

function wordCountFor(lowered: string, defaultAnswerWords: number): number {
  const override = /\[demo:words=(\d+)\]/.exec(lowered)?.[1];
  const requested = override === undefined ? defaultAnswerWords : Number(override);
  return Math.min(maximumWords, Math.max(1, Math.floor(requested)));
}

function answerWords(plainText: string, hash: number, wordCount: number): string[] {
  const words = splitWords(`You said: "${plainText.slice(0, quotedPrefixLength)}".`);
  let state = hash || 1;
  while (words.length < wordCount) {
    // xorshift32: a tiny deterministic generator, so the same message always gets the same filler.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    words.push(fillerVocabulary[state % fillerVocabulary.length] ?? 'chat');
  }
  words.length = wordCount;
  const lastIndex = wordCount - 1;
  const lastWord = words[lastIndex] ?? '';
  if (!/[.!?]"?$/.test(lastWord)) words[lastIndex] = `${lastWord}.`;
  return words;
}

const arithmeticKeywords = /\b(calculate|compute|evaluate|what is|what's|how much is|solve)\b/;

function arithmeticRequest(plainText: string): string | undefined {
  if (!arithmeticKeywords.test(plainText.toLowerCase())) return undefined;
  const candidates = plainText.match(/[-+*/%^().\d\s]*\d[-+*/%^().\d\s]*/g) ?? [];
  const expressions = candidates
    .map((candidate) => candidate.trim().replace(/[.\s]+$/, ''))
    .filter(
      (candidate) => /\d\s*(\*\*|[-+*/%^])\s*[-+(.\d]/.test(candidate) && candidate.length <= 200,
    );
  return expressions.sort((left, right) => right.length - left.length)[0];
}

function asksForTheTime(lowered: string): boolean {
  return /\bwhat time is it\b|\bcurrent time\b|\bwhat's the time\b|\btime is it\b/.test(lowered);
}

function expressionFromHash(hash: number): string {
  return `${(hash % 90) + 10}*(${((hash >>> 8) % 9) + 1}+${((hash >>> 12) % 9) + 1})`;
}

function describeToolResults(message: Extract<LanguageModelV4Message, { role: 'tool' }>): string {
  const sentences = message.content.map((part) =>
    part.type === 'tool-result'
      ? describeToolOutput(part.toolName, part.output)
      : `The ${part.approved ? 'approved' : 'denied'} action was noted.`,
  );
  return sentences.join(' ') || 'There was nothing to report.';
}

function describeToolOutput(toolName: string, output: LanguageModelV4ToolResultOutput): string {
  if (output.type === 'error-text') return `The ${toolName} tool failed: ${output.value}.`;
  if (output.type === 'error-json')
    return `The ${toolName} tool failed: ${JSON.stringify(output.value)}.`;
  if (output.type === 'execution-denied') {
    const reason = output.reason === undefined ? '' : ` (${output.reason})`;
    return toolName === demoActionToolName
      ? `Not done: the action was denied${reason}.`
      : `The ${toolName} tool was not allowed to run${reason}.`;
  }
  if (output.type === 'text') return `The ${toolName} tool said: ${output.value}.`;
  if (output.type === 'json' && typeof output.value === 'object' && output.value !== null) {
    const value = output.value as Record<string, unknown>;
    if (value.type === 'operation_started')
      return `I started ${toolName} (operation ${String(value.operation_id)}). It runs in the background; I will continue here when it completes.`;
    if (value.type === 'operation_in_progress')
      return `That ${toolName} is already in progress (operation ${String(value.operation_id)}); I will continue here when it completes.`;
    if (typeof value.result === 'number') return `The result is ${value.result}.`;
    if (toolName === demoActionToolName && typeof value.done === 'string') {
      return `Done: ${value.done}.`;
    }
    if (typeof value.formatted === 'string')
      return `It is ${value.formatted} (${String(value.timeZone)}).`;
  }
  return `The ${toolName} tool returned ${JSON.stringify('value' in output ? output.value : output)}.`;
}

/** The continuation message of an ended operation (see `turn/end-operation.ts`). */
const operationEndedPattern =
  /^Operation (\S+) \((\S+)\) (completed|failed|did not complete|was cancelled)/;

function describeOperationEnding(text: string): string {
  const [, operationId, toolName, how] = operationEndedPattern.exec(text) ?? [];
  if (how === 'completed') {
    const result = /tool call \S+: (.*)\n/.exec(text)?.[1] ?? '';
    return `The ${toolName} operation ${operationId} has completed. Its result: ${result}`;
  }
  const reason = /: (.*)\n/.exec(text)?.[1] ?? how;
  return `The ${toolName} operation ${operationId} ${how === 'failed' ? 'failed' : how}: ${reason}. You can ask me to try again.`;
}

function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

/** FNV-1a, 32 bits: stable across runs and platforms, unlike any built-in hash. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
