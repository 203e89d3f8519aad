import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4Content,
  type LanguageModelV4FinishReason,
  type LanguageModelV4StreamPart,
  type LanguageModelV4Usage,
} from '@ai-sdk/provider';
import {
  countPromptWords,
  demoFlakyErrorMessage,
  type DemoResponsePlan,
  type DemoToolCall,
  planDemoResponse,
} from './demo-response-plan.ts';

/** Tuning of the built-in demo model; all durations in milliseconds. */
export interface DemoModelOptions {
  /**
   * Time between streamed words, on the model's own clock: a reader that falls behind finds the
   * words it missed waiting, as with a remote provider whose tokens arrive whatever the reader
   * does. 0 streams as fast as the reader pulls.
   */
  tokenDelayMs: number;
  /** Length of a default answer, in words (a message's `[demo:words=N]` overrides it). */
  answerWords: number;
  /** Length of each silence that `[demo:slow]` inserts (before the first word and mid-answer). */
  slowSilenceMs: number;
  /**
   * The context window, in prompt words (what the model reports as input tokens): a longer
   * prompt is refused before any text, as a provider refuses one past its context length.
   * Absent: no limit.
   */
  contextTokens?: number;
}

const demoEndpoint = 'demo://built-in-model';

/**
 * A deterministic, key-less language model that implements the AI SDK's `LanguageModelV4`, so
 * `streamText` drives it exactly as it drives a remote provider. It answers the last user message:
 *
 * - default: `You said: "<first 60 chars>".` followed by filler words picked by a hash of the
 *   message, one word (with its trailing space) per text delta, `answerWords` words in all;
 * - `[demo:words=N]` (1..100000): N words for that message;
 * - `[demo:fatal]`: `doStream` rejects with a non-retryable `APICallError` before any text, whose
 *   message carries a fake secret (tests use it to prove errors are masked for users);
 * - `[demo:transient]`: half the answer, then an `error` part and a finish with reason `error`;
 * - `[demo:slow]`: the default answer with `slowSilenceMs` silences (for heartbeat tests);
 * - `[demo:flaky]`: the first call with a prompt fails like `[demo:fatal]`; the same prompt
 *   again (a regenerate) gets the default answer — what a Retry is for;
 * - `[demo:tool]` or "calculate 12*(3+4)" / "what is 2+2": a `calculator` tool call;
 *   `[demo:time]` or "what time is it [in Europe/Paris]": a `current_time` tool call
 *   (only when the call offers that tool);
 * - `[demo:steps]` / `[demo:steps=N]` (N 1..10, default 3; only when the call offers the
 *   `demo_step` tool): an answer in steps, each saying `Step k of N.` and calling `demo_step`
 *   so the SDK runs the next one, then `Done.` — N + 1 model calls. User messages that reached
 *   the prompt after the answer began (steering, queued) are acknowledged at the start of the
 *   next step with `Noted: <their text>.` (see `planDemoSteps`);
 * - a prompt ending in tool results: one short sentence per result ("The result is 84.").
 * - text files attached to the last user message (text parts `attachedFileText` wrote): the
 *   answer begins with `File <name> begins: "<its first line>".` for each, in order; their text
 *   is never taken for the user's words or directives;
 * - every answer honours the call's `maxOutputTokens` (one word is one token): a longer one is
 *   cut after that many words and finishes with reason `length`.
 * - a prompt of more words than `contextTokens` is refused with a non-retryable 400
 *   `APICallError`, as a provider refuses a prompt past its context length.
 *
 * Aborting the call's signal errors the stream with the abort reason within one delay, as an
 * aborted `fetch` does for a remote provider.
 */
export function createDemoLanguageModel(options: DemoModelOptions): LanguageModelV4 {
  /** Prompts a `[demo:flaky]` call has failed once (this model's memory, per process). */
  const failedPrompts = new Set<string>();
  const model: LanguageModelV4 = {
    specificationVersion: 'v4',
    provider: 'durable-chat.demo',
    modelId: 'demo',
    supportedUrls: {},
    doStream: async (callOptions) => streamDemoResponse(callOptions, options, failedPrompts),
    doGenerate: async (callOptions) => {
      const { stream } = await model.doStream(callOptions);
      return collectGenerateResult(stream);
    },
  };
  return model;
}

interface TimedPart {
  delayBeforeMs: number;
  part: LanguageModelV4StreamPart;
}

async function streamDemoResponse(
  callOptions: LanguageModelV4CallOptions,
  options: DemoModelOptions,
  failedPrompts: Set<string>,
) {
  const signal = callOptions.abortSignal;
  signal?.throwIfAborted();
  const plan = planDemoResponse(callOptions.prompt, callOptions.tools, options.answerWords);
  const promptKey =
    plan.kind === 'text' && plan.failsFirstAttempt ? JSON.stringify(callOptions.prompt) : null;
  if (plan.kind === 'fatal' || (promptKey !== null && !failedPrompts.has(promptKey))) {
    if (promptKey !== null) failedPrompts.add(promptKey);
    throw new APICallError({
      message: plan.kind === 'fatal' ? plan.message : demoFlakyErrorMessage,
      url: demoEndpoint,
      requestBodyValues: { prompt: callOptions.prompt },
      statusCode: 401,
      isRetryable: false,
    });
  }
  const promptWords = countPromptWords(callOptions.prompt);
  if (options.contextTokens !== undefined && promptWords > options.contextTokens) {
    throw new APICallError({
      message: `This model's maximum context length is ${options.contextTokens} tokens; the prompt has ${promptWords}.`,
      url: demoEndpoint,
      requestBodyValues: { prompt: callOptions.prompt },
      statusCode: 400,
      isRetryable: false,
    });
  }
  const parts = timedParts(plan, options, promptWords, callOptions.maxOutputTokens);
  let next = 0;
  // When the next part is due. A schedule, not a pause after each pull: the time the reader
  // spends between pulls must not slow the model down, or the model would measure its reader.
  let dueAt: number | undefined;
  const nextDueAt = (from: number) => from + (parts[next] as TimedPart).delayBeforeMs;
  const stream = new ReadableStream<LanguageModelV4StreamPart>({
    async pull(controller) {
      if (next >= parts.length) {
        controller.close();
        return;
      }
      dueAt ??= performance.now();
      const waitMs = nextDueAt(dueAt) - performance.now();
      // Behind schedule, still wait for the next turn of the event loop, as a remote provider's
      // parts wait for the next socket read: resolving at once would let a reader that fell
      // behind run the rest of the answer as one chain of microtasks, starving all other I/O.
      if (waitMs > 0) await sleep(waitMs, signal);
      else await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) {
        controller.error(signal.reason);
        return;
      }
      // Everything due by now arrives together, as the bytes of one socket read would.
      const now = performance.now();
      do {
        dueAt = nextDueAt(dueAt);
        controller.enqueue((parts[next] as TimedPart).part);
        next += 1;
      } while (next < parts.length && nextDueAt(dueAt) <= now);
    },
  });
  return { stream, request: { url: demoEndpoint } };
}

function timedParts(
  plan: Exclude<DemoResponsePlan, { kind: 'fatal' }>,
  options: DemoModelOptions,
  inputWords: number,
  maxOutputTokens: number | undefined,
) {
  const parts: TimedPart[] = [{ delayBeforeMs: 0, part: { type: 'stream-start', warnings: [] } }];
  const immediately = (part: LanguageModelV4StreamPart) => parts.push({ delayBeforeMs: 0, part });
  immediately({ type: 'response-metadata', modelId: 'demo' });

  if (plan.kind === 'tool-call') {
    pushToolCall(parts, plan, options.tokenDelayMs);
    immediately(finishPart(inputWords, 1, { unified: 'tool-calls', raw: 'tool_calls' }));
    return parts;
  }
  const id = 'text-0';
  // One word is one token: a cap cuts the answer there, as a real model stops mid-sentence.
  const cut = maxOutputTokens !== undefined && plan.words.length > maxOutputTokens;
  const words = cut ? plan.words.slice(0, maxOutputTokens) : plan.words;
  const failAfter =
    plan.transientErrorMessage === undefined ? words.length : Math.floor(words.length / 2);
  immediately({ type: 'text-start', id });
  words.slice(0, failAfter).forEach((word, index) => {
    const silent = plan.silenceBeforeWords.includes(index);
    const delta = index < words.length - 1 ? `${word} ` : word;
    parts.push({
      delayBeforeMs: silent ? options.slowSilenceMs : options.tokenDelayMs,
      part: { type: 'text-delta', id, delta },
    });
  });
  if (plan.transientErrorMessage !== undefined) {
    // The shape the OpenAI-compatible provider produces when the upstream breaks mid-answer.
    const error = new APICallError({
      message: plan.transientErrorMessage,
      url: demoEndpoint,
      requestBodyValues: {},
      isRetryable: true,
    });
    immediately({ type: 'error', error });
  }
  immediately({ type: 'text-end', id });
  // A cut answer never reaches the call that would end its step.
  const callsTool = plan.toolCall !== undefined && !cut && plan.transientErrorMessage === undefined;
  if (callsTool && plan.toolCall !== undefined)
    pushToolCall(parts, plan.toolCall, options.tokenDelayMs);
  const finishReason: LanguageModelV4FinishReason =
    plan.transientErrorMessage !== undefined
      ? { unified: 'error', raw: undefined }
      : cut
        ? { unified: 'length', raw: 'length' }
        : callsTool
          ? { unified: 'tool-calls', raw: 'tool_calls' }
          : { unified: 'stop', raw: 'stop' };
  immediately(finishPart(inputWords, failAfter, finishReason));
  return parts;
}

/** A tool call streamed as a provider does: its input in two deltas, then the complete call. */
function pushToolCall(parts: TimedPart[], call: DemoToolCall, tokenDelayMs: number): void {
  const { toolCallId: id, toolName } = call;
  const input = JSON.stringify(call.input);
  const middle = Math.ceil(input.length / 2);
  parts.push({ delayBeforeMs: 0, part: { type: 'tool-input-start', id, toolName } });
  for (const delta of [input.slice(0, middle), input.slice(middle)]) {
    parts.push({ delayBeforeMs: tokenDelayMs, part: { type: 'tool-input-delta', id, delta } });
  }
  parts.push({ delayBeforeMs: 0, part: { type: 'tool-input-end', id } });
  parts.push({ delayBeforeMs: 0, part: { type: 'tool-call', toolCallId: id, toolName, input } });
}

function finishPart(
  inputWords: number,
  outputWords: number,
  finishReason: LanguageModelV4FinishReason,
): LanguageModelV4StreamPart {
  const usage: LanguageModelV4Usage = {
    inputTokens: { total: inputWords, noCache: inputWords, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: outputWords, text: outputWords, reasoning: 0 },
  };
  return { type: 'finish', usage, finishReason };
}

/** Resolves after `ms`, or as soon as `signal` aborts (the caller checks `signal.aborted`). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function collectGenerateResult(stream: ReadableStream<LanguageModelV4StreamPart>) {
  const content: LanguageModelV4Content[] = [];
  let text = '';
  let finish: Extract<LanguageModelV4StreamPart, { type: 'finish' }> | undefined;
  for await (const part of stream) {
    if (part.type === 'text-delta') text += part.delta;
    else if (part.type === 'tool-call') content.push(part);
    else if (part.type === 'finish') finish = part;
    else if (part.type === 'error') throw part.error;
  }
  if (text.length > 0) content.unshift({ type: 'text', text });
  if (finish === undefined) throw new Error('demo model stream ended without a finish part');
  return { content, finishReason: finish.finishReason, usage: finish.usage, warnings: [] };
}
