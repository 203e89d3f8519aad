import type { LanguageModelV4Message, LanguageModelV4Prompt } from '@ai-sdk/provider';
import { isAttachedFileText } from './attached-file-text.ts';

/** The built-in tool a `[demo:steps]` step calls so that the AI SDK runs the next step. */
export const demoStepToolName = 'demo_step';

/** What the `demo_step` tool receives: which step just ended, of how many. */
export interface DemoStepInput {
  step: number;
  steps: number;
}

/** One step of a `[demo:steps]` answer: its words, and the `demo_step` call ending it (if any). */
export interface DemoStepsPlan {
  words: string[];
  stepCall?: DemoStepInput;
}

export const defaultDemoSteps = 3;
export const maximumDemoSteps = 10;

const stepsDirectivePattern = /\[demo:steps(?:=(\d+))?\]/i;
const directivePattern = /\[demo:[^\]]*\]/gi;
/** Not global: `test` with a global pattern would carry `lastIndex` from one call to the next. */
const anyDirectivePattern = /\[demo:[^\]]*\]/i;

/**
 * The next step of a `[demo:steps=N]` answer, or undefined when the prompt holds no such answer
 * (or `demo_step` is not offered, without which the SDK would stop after one step).
 *
 * The answer is counted from the last user message carrying the directive: every `demo_step`
 * call after it is a step done. Steps 1..N say `Step k of N.` and call `demo_step`; the next one
 * says `Done.`. User messages at the end of the prompt that came after the answer began are
 * follow-ups — steering messages the SDK added at a step boundary, or messages queued or sent
 * after the answer — and the step acknowledges each with `Noted: <text>.` before its own words.
 * Once the answer is done, a follow-up without a directive of its own is answered with the
 * acknowledgement and `All N steps were already done.`. A follow-up with a directive of its own
 * is a new question (e.g. sent with interrupt), never ours.
 */
export function planDemoSteps(
  prompt: LanguageModelV4Prompt,
  offeredToolNames: ReadonlySet<string>,
): DemoStepsPlan | undefined {
  if (!offeredToolNames.has(demoStepToolName)) return undefined;
  const start = findLastIndex(
    prompt,
    (message) => message.role === 'user' && stepsDirectivePattern.test(userText(message)),
  );
  if (start < 0) return undefined;
  const stepCount = requestedSteps(userText(prompt[start] as LanguageModelV4Message));
  const answer = prompt.slice(start + 1);
  const followUpStart = findLastIndex(answer, (message) => message.role !== 'user') + 1;
  const followUps = answer.slice(followUpStart).map(userText);
  // A later message with a directive of its own is a new question (e.g. after an interrupt),
  // not a follow-up of this answer: the plan it asks for answers it.
  if (followUps.some((text) => anyDirectivePattern.test(text))) return undefined;
  const acknowledgement = followUps.map((text) => `Noted: ${quoted(text)}.`);
  const stepsDone = answer.filter(
    (message) =>
      message.role === 'assistant' &&
      message.content.some(
        (part) => part.type === 'tool-call' && part.toolName === demoStepToolName,
      ),
  ).length;
  if (stepsDone < stepCount) {
    const step = stepsDone + 1;
    return {
      words: splitWords([...acknowledgement, `Step ${step} of ${stepCount}.`].join(' ')),
      stepCall: { step, steps: stepCount },
    };
  }
  const lastStepCall = findLastIndex(answer, (message) => message.role === 'tool');
  const doneSaid = answer.slice(lastStepCall + 1).some((message) => message.role === 'assistant');
  if (!doneSaid) return { words: splitWords([...acknowledgement, 'Done.'].join(' ')) };
  if (followUps.length === 0) return undefined;
  return {
    words: splitWords([...acknowledgement, `All ${stepCount} steps were already done.`].join(' ')),
  };
}

function requestedSteps(text: string): number {
  const requested = stepsDirectivePattern.exec(text)?.[1];
  if (requested === undefined) return defaultDemoSteps;
  return Math.min(maximumDemoSteps, Math.max(1, Number(requested)));
}

/** A follow-up's text as the acknowledgement quotes it: no directives, one line, no final stop. */
function quoted(text: string): string {
  const plain = text
    .replace(directivePattern, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!?]+$/, '');
  return plain === '' ? 'your message' : plain;
}

/** What the user wrote: an attached file's text is no directive and no follow-up's words. */
function userText(message: LanguageModelV4Message): string {
  if (message.role !== 'user') return '';
  return message.content
    .map((part) => (part.type === 'text' && !isAttachedFileText(part.text) ? part.text : ''))
    .join(' ');
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index -= 1) {
    if (predicate(items[index] as T)) return index;
  }
  return -1;
}

function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}
