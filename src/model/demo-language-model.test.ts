import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LanguageModelV4 } from '@ai-sdk/provider';
import { safeValidateTypes } from '@ai-sdk/provider-utils';
import {
  generateText,
  type ModelMessage,
  stepCountIs,
  streamText,
  type ToolSet,
  type UIMessageChunk,
  uiMessageChunkSchema,
} from 'ai';
import { createBuiltInTools } from '../executor/tools/built-in-tools.ts';
import { createDemoLanguageModel, type DemoModelOptions } from './demo-language-model.ts';
import {
  demoFatalErrorMessage,
  demoFlakyErrorMessage,
  demoTransientErrorMessage,
} from './demo-response-plan.ts';

const fastOptions: DemoModelOptions = { tokenDelayMs: 0, answerWords: 24, slowSilenceMs: 0 };
const pinnedInstant = new Date('2025-06-02T12:03:05.123Z');

interface TurnOptions {
  tools?: ToolSet;
  abortSignal?: AbortSignal;
  maxOutputTokens?: number;
}

/** Runs one turn the way the executor does and returns every UI chunk, each checked against the wire schema. */
async function runTurn(
  model: LanguageModelV4,
  prompt: string | ModelMessage[],
  options: TurnOptions = {},
) {
  const messages: ModelMessage[] =
    typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
  const errors: unknown[] = [];
  const result = streamText({
    model,
    messages,
    tools: options.tools ?? createBuiltInTools({ now: () => pinnedInstant }),
    stopWhen: stepCountIs(5),
    abortSignal: options.abortSignal,
    ...(options.maxOutputTokens === undefined ? {} : { maxOutputTokens: options.maxOutputTokens }),
    onError: ({ error }) => {
      errors.push(error);
    },
  });
  const chunks: UIMessageChunk[] = [];
  const stream = result.toUIMessageStream({
    onError: (error) => (error instanceof Error ? error.message : String(error)),
  });
  for await (const chunk of stream) chunks.push(chunk);
  for (const chunk of chunks) {
    const validation = await safeValidateTypes({ value: chunk, schema: uiMessageChunkSchema });
    assert.ok(
      validation.success,
      `chunk does not match uiMessageChunkSchema: ${JSON.stringify(chunk)}`,
    );
  }
  return { chunks, errors, result };
}

function textOf(chunks: UIMessageChunk[]): string {
  return chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.delta : '')).join('');
}

function ofType<TYPE extends UIMessageChunk['type']>(chunks: UIMessageChunk[], type: TYPE) {
  return chunks.filter(
    (chunk): chunk is Extract<UIMessageChunk, { type: TYPE }> => chunk.type === type,
  );
}

/** Wraps a model to count how often the AI SDK calls it (retries would show up here). */
function countingCalls(model: LanguageModelV4) {
  const counter = { calls: 0 };
  const wrapped: LanguageModelV4 = {
    ...model,
    doStream: (options) => {
      counter.calls += 1;
      return model.doStream(options);
    },
  };
  return { model: wrapped, counter };
}

describe('demo language model', () => {
  it('the chunk validator used here rejects malformed chunks', async () => {
    const validation = await safeValidateTypes({
      value: { type: 'text-delta', id: 'x' },
      schema: uiMessageChunkSchema,
    });
    assert.equal(validation.success, false);
  });

  it('answers with exactly answerWords words, one text delta per word, deterministically', async () => {
    const model = createDemoLanguageModel(fastOptions);
    const first = await runTurn(model, 'Hello there, durable friend');
    const second = await runTurn(
      createDemoLanguageModel(fastOptions),
      'Hello there, durable friend',
    );
    const other = await runTurn(model, 'A completely different question');

    assert.deepEqual(second.chunks, first.chunks);
    const deltas = ofType(first.chunks, 'text-delta');
    assert.equal(deltas.length, 24);
    assert.ok(
      deltas.slice(0, -1).every((chunk) => /^\S+ $/.test(chunk.delta)),
      'every word but the last keeps its space',
    );
    assert.match(
      textOf(first.chunks),
      /^You said: "Hello there, durable friend"\. (\S+ ){17}\S+\.$/,
    );
    assert.notEqual(textOf(other.chunks).slice(40), textOf(first.chunks).slice(40));
    assert.deepEqual(first.chunks.at(-1), { type: 'finish', finishReason: 'stop' });
    assert.deepEqual(first.errors, []);
  });

  it('honours a [demo:words=N] override and keeps the directive out of the quote', async () => {
    const { chunks } = await runTurn(
      createDemoLanguageModel(fastOptions),
      'count with me [demo:words=1000]',
    );
    assert.equal(ofType(chunks, 'text-delta').length, 1000);
    assert.ok(textOf(chunks).startsWith('You said: "count with me". '));
    assert.equal(textOf(chunks).split(' ').length, 1000);
  });

  it('reports usage: prompt words in, streamed words out', async () => {
    const { result } = await runTurn(
      createDemoLanguageModel(fastOptions),
      'three words here [demo:words=7]',
    );
    const usage = await result.totalUsage;
    assert.equal(usage.inputTokens, 4);
    assert.equal(usage.outputTokens, 7);
  });

  it('fails a [demo:fatal] turn with one error chunk, no text and no retry', async () => {
    const { model, counter } = countingCalls(createDemoLanguageModel(fastOptions));
    const { chunks, errors } = await runTurn(model, 'please [demo:fatal]');
    const errorChunks = ofType(chunks, 'error');
    assert.equal(errorChunks.length, 1);
    assert.equal(errorChunks[0]?.errorText, demoFatalErrorMessage);
    assert.match(demoFatalErrorMessage, /sk-demo-secret/);
    assert.equal(ofType(chunks, 'text-delta').length, 0);
    assert.equal(counter.calls, 1);
    assert.equal(errors.length, 1);
  });

  it('fails a [demo:flaky] prompt the first time and answers the same prompt the next time', async () => {
    const model = createDemoLanguageModel(fastOptions);
    const first = await runTurn(model, 'try me [demo:flaky]');
    assert.equal(ofType(first.chunks, 'error')[0]?.errorText, demoFlakyErrorMessage);
    assert.equal(ofType(first.chunks, 'text-delta').length, 0);
    const again = await runTurn(model, 'try me [demo:flaky]');
    assert.equal(ofType(again.chunks, 'error').length, 0);
    assert.ok(textOf(again.chunks).startsWith('You said: "try me".'));
    const other = await runTurn(model, 'another one [demo:flaky]');
    assert.equal(ofType(other.chunks, 'error').length, 1, 'each prompt fails once');
    const fresh = await runTurn(createDemoLanguageModel(fastOptions), 'try me [demo:flaky]');
    assert.equal(ofType(fresh.chunks, 'error').length, 1, 'a model remembers only its own calls');
  });

  it('breaks a [demo:transient] turn after about half the answer with an error chunk', async () => {
    const { chunks } = await runTurn(
      createDemoLanguageModel(fastOptions),
      'tell me [demo:transient]',
    );
    const types = chunks.map((chunk) => chunk.type);
    assert.equal(ofType(chunks, 'text-delta').length, 12);
    assert.equal(ofType(chunks, 'error').length, 1);
    assert.equal(ofType(chunks, 'error')[0]?.errorText, demoTransientErrorMessage);
    assert.ok(
      types.lastIndexOf('text-delta') < types.indexOf('error'),
      'the error comes after the partial text',
    );
    assert.deepEqual(chunks.at(-1), { type: 'finish', finishReason: 'error' });
  });

  it('adds long silences to a [demo:slow] answer, before the first word and mid-answer', async () => {
    const model = createDemoLanguageModel({ tokenDelayMs: 0, answerWords: 10, slowSilenceMs: 150 });
    const started = performance.now();
    const arrivals: number[] = [];
    const result = streamText({ model, prompt: 'take your time [demo:slow]' });
    for await (const _delta of result.textStream) arrivals.push(performance.now() - started);
    assert.equal(arrivals.length, 10);
    // Only lower bounds hold on a busy machine: the model keeps its own schedule, so a reader
    // that fell behind gets the words due meanwhile together, hiding gaps between them.
    assert.ok((arrivals[0] ?? 0) >= 140, `first word after ${arrivals[0]} ms`);
    assert.ok((arrivals[5] ?? 0) >= 280, `a second silence by the sixth word (${arrivals[5]} ms)`);
  });

  it('keeps its own pace when the reader falls behind: the words due meanwhile are waiting', async () => {
    const model = createDemoLanguageModel({ tokenDelayMs: 50, answerWords: 6, slowSilenceMs: 0 });
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'pace yourself' }] }],
    });
    const started = performance.now();
    const deltaArrivals: number[] = [];
    for await (const part of stream) {
      if (part.type !== 'text-delta') continue;
      deltaArrivals.push(performance.now() - started);
      // The reader is busy for four words' time after the first one.
      if (deltaArrivals.length === 1) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(deltaArrivals.length, 6);
    // A pause after each pull would end at 50 + 200 + 5 × 50 = 500 ms; the model's own clock at 300.
    assert.ok((deltaArrivals[5] ?? 0) < 420, `the last word came after ${deltaArrivals[5]} ms`);
    assert.ok(
      (deltaArrivals[5] ?? 0) >= 295,
      `the last word came early, after ${deltaArrivals[5]} ms`,
    );
  });

  it('lets the rest of the process run while a reader slower than the model catches up', async () => {
    const model = createDemoLanguageModel({ tokenDelayMs: 1, answerWords: 60, slowSilenceMs: 0 });
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'keep up if you can' }] }],
    });
    let deltas = 0;
    let deltasWhenTimerRan: number | undefined;
    for await (const part of stream) {
      if (part.type !== 'text-delta') continue;
      deltas += 1;
      // Each word costs the reader 2 ms of CPU: it is behind the model from the first words on.
      const busyUntil = performance.now() + 2;
      while (performance.now() < busyUntil);
      if (deltas === 5) {
        setTimeout(() => {
          deltasWhenTimerRan = deltas;
        }, 0);
      }
    }
    assert.equal(deltas, 60);
    assert.ok(
      deltasWhenTimerRan !== undefined && deltasWhenTimerRan < 60,
      `a timer due at once ran only after ${deltasWhenTimerRan} of 60 words`,
    );
  });

  it('calls the calculator for an arithmetic request, then answers with its result', async () => {
    const { chunks } = await runTurn(
      createDemoLanguageModel(fastOptions),
      'Please calculate 12*(3+4)',
    );
    const [call] = ofType(chunks, 'tool-input-available');
    const [output] = ofType(chunks, 'tool-output-available');
    assert.equal(call?.toolName, 'calculator');
    assert.deepEqual(call?.input, { expression: '12*(3+4)' });
    assert.equal(output?.toolCallId, call?.toolCallId);
    assert.deepEqual(output?.output, { expression: '12*(3+4)', result: 84 });
    assert.equal(textOf(chunks), 'The result is 84.');
    assert.equal(ofType(chunks, 'start-step').length, 2);

    const again = await runTurn(createDemoLanguageModel(fastOptions), 'Please calculate 12*(3+4)');
    assert.equal(ofType(again.chunks, 'tool-input-available')[0]?.toolCallId, call?.toolCallId);
  });

  it('recognises "what is 2+2" and [demo:tool] as calculator requests', async () => {
    const model = createDemoLanguageModel(fastOptions);
    assert.equal(textOf((await runTurn(model, 'what is 2+2?')).chunks), 'The result is 4.');
    const forced = await runTurn(model, '[demo:tool]');
    const expression = ofType(forced.chunks, 'tool-input-available')[0]?.input as {
      expression: string;
    };
    assert.match(expression.expression, /^\d+\*\(\d\+\d\)$/);
  });

  it('passes a tool failure back to the model, which reports it', async () => {
    const { chunks } = await runTurn(createDemoLanguageModel(fastOptions), 'what is 1/0');
    assert.equal(ofType(chunks, 'tool-output-error').length, 1);
    assert.match(textOf(chunks), /^The calculator tool failed: .*division by zero\.$/);
  });

  it('asks current_time for the time, in the zone the user named', async () => {
    const { chunks } = await runTurn(
      createDemoLanguageModel(fastOptions),
      'What time is it in Europe/Paris?',
    );
    const [call] = ofType(chunks, 'tool-input-available');
    assert.equal(call?.toolName, 'current_time');
    assert.deepEqual(call?.input, { timeZone: 'Europe/Paris' });
    assert.match(
      textOf(chunks),
      /^It is Monday, June 2, 2025 at 2:03:05\sPM GMT\+2 \(Europe\/Paris\)\.$/,
    );

    const plain = await runTurn(createDemoLanguageModel(fastOptions), '[demo:time]');
    assert.deepEqual(ofType(plain.chunks, 'tool-input-available')[0]?.input, {});
  });

  it('answers in text when the tool it would call is not offered', async () => {
    const { chunks } = await runTurn(createDemoLanguageModel(fastOptions), 'calculate 6*7', {
      tools: {},
    });
    assert.equal(ofType(chunks, 'tool-input-available').length, 0);
    assert.ok(textOf(chunks).startsWith('You said: "calculate 6*7".'));
  });

  it('stops streaming within one token delay of an abort, whenever the abort lands', async () => {
    const model = createDemoLanguageModel({
      tokenDelayMs: 20,
      answerWords: 10_000,
      slowSilenceMs: 0,
    });
    for (let round = 0; round < 12; round += 1) {
      const controller = new AbortController();
      let abortedAt = Number.NaN;
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort();
      }, Math.random() * 80);
      const { chunks } = await runTurn(model, `a very long answer please, round ${round}`, {
        abortSignal: controller.signal,
      });
      const lateness = performance.now() - abortedAt;
      // Generous bound for loaded machines; an answer that ignored the abort would run for 200 s.
      assert.ok(lateness < 200, `ended ${lateness} ms after the abort`);
      assert.ok(ofType(chunks, 'text-delta').length < 15);
      assert.equal(ofType(chunks, 'abort').length, 1);
    }
  });

  it('stops during a long [demo:slow] silence when aborted', async () => {
    const model = createDemoLanguageModel({
      tokenDelayMs: 0,
      answerWords: 10,
      slowSilenceMs: 30_000,
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const { chunks } = await runTurn(model, 'slowly [demo:slow]', {
      abortSignal: controller.signal,
    });
    assert.ok(performance.now() - started < 1_000);
    assert.equal(ofType(chunks, 'text-delta').length, 0);
  });

  it('stops after maxOutputTokens words with finish reason length', async () => {
    const model = createDemoLanguageModel(fastOptions);
    const { chunks, result } = await runTurn(model, 'a long answer please', {
      maxOutputTokens: 7,
    });
    assert.equal(ofType(chunks, 'text-delta').length, 7);
    assert.deepEqual(chunks.at(-1), { type: 'finish', finishReason: 'length' });
    assert.equal((await result.usage).outputTokens, 7);
    const uncut = await runTurn(model, 'a long answer please', { maxOutputTokens: 24 });
    assert.deepEqual(uncut.chunks.at(-1), { type: 'finish', finishReason: 'stop' });
  });

  it('refuses a prompt longer than its context window, and answers one that fits', async () => {
    const { model, counter } = countingCalls(
      createDemoLanguageModel({ ...fastOptions, contextTokens: 5 }),
    );
    const refused = await runTurn(model, 'one two three four five six');
    assert.equal(ofType(refused.chunks, 'text-delta').length, 0);
    assert.match(
      ofType(refused.chunks, 'error')[0]?.errorText ?? '',
      /maximum context length is 5/,
    );
    assert.equal(counter.calls, 1, 'not retried: the same prompt would be refused again');
    const answered = await runTurn(model, 'one two three four five');
    assert.equal(ofType(answered.chunks, 'text-delta').length, fastOptions.answerWords);
  });

  it('answers generateText with the same text it streams', async () => {
    const model = createDemoLanguageModel(fastOptions);
    const generated = await generateText({ model, prompt: 'same words either way' });
    const { chunks } = await runTurn(model, 'same words either way');
    assert.equal(generated.text, textOf(chunks));
  });
});
