import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  experimental_createSteering as createSteering,
  type ModelMessage,
  stepCountIs,
  streamText,
  type UIMessageChunk,
} from 'ai';
import { createBuiltInTools } from '../executor/tools/built-in-tools.ts';
import { createDemoLanguageModel, type DemoModelOptions } from './demo-language-model.ts';

const fastOptions: DemoModelOptions = { tokenDelayMs: 0, answerWords: 12, slowSilenceMs: 0 };
/** Slow enough that a steering message sent on the first words lands before the step ends. */
const pacedOptions: DemoModelOptions = { tokenDelayMs: 15, answerWords: 12, slowSilenceMs: 0 };

interface StepsTurn {
  chunks: UIMessageChunk[];
  /** The text of each step, in order. */
  stepTexts: string[];
}

/**
 * Runs a turn as the executor does — `streamText` with the built-in tools (with `demo_step`) and
 * a steering object — and calls `onChunk` with every UI chunk as it arrives.
 */
async function runStepsTurn(
  messages: ModelMessage[],
  options: {
    model?: DemoModelOptions;
    demoSteps?: boolean;
    maxSteps?: number;
    onChunk?: (chunk: UIMessageChunk, steering: ReturnType<typeof createSteering>) => void;
  } = {},
): Promise<StepsTurn> {
  const steering = createSteering();
  const result = streamText({
    model: createDemoLanguageModel(options.model ?? fastOptions),
    messages,
    tools: createBuiltInTools({ demoSteps: options.demoSteps ?? true }),
    stopWhen: stepCountIs(options.maxSteps ?? 20),
    experimental_steering: steering,
  });
  const chunks: UIMessageChunk[] = [];
  const stepTexts: string[] = [];
  for await (const chunk of result.toUIMessageStream()) {
    chunks.push(chunk);
    if (chunk.type === 'start-step') stepTexts.push('');
    if (chunk.type === 'text-delta') stepTexts[stepTexts.length - 1] += chunk.delta;
    options.onChunk?.(chunk, steering);
  }
  return { chunks, stepTexts };
}

const user = (text: string): ModelMessage => ({ role: 'user', content: text });

describe('demo model [demo:steps]', () => {
  it('answers in three steps by default, each ending with a demo_step call, then Done.', async () => {
    const { chunks, stepTexts } = await runStepsTurn([user('Plan my trip [demo:steps]')]);
    assert.deepEqual(stepTexts, ['Step 1 of 3.', 'Step 2 of 3.', 'Step 3 of 3.', 'Done.']);
    const calls = chunks.filter((chunk) => chunk.type === 'tool-input-available');
    assert.deepEqual(
      calls.map((chunk) => [chunk.toolName, chunk.input]),
      [1, 2, 3].map((step) => ['demo_step', { step, steps: 3 }]),
    );
    assert.equal(new Set(calls.map((chunk) => chunk.toolCallId)).size, 3);
    assert.deepEqual(chunks.at(-1), { type: 'finish', finishReason: 'stop' });
  });

  it('honours [demo:steps=N] and keeps N between 1 and 10', async () => {
    const five = await runStepsTurn([user('[demo:steps=5] go')]);
    assert.equal(five.stepTexts.length, 6);
    assert.equal(five.stepTexts[4], 'Step 5 of 5.');
    const one = await runStepsTurn([user('[demo:steps=0]')]);
    assert.deepEqual(one.stepTexts, ['Step 1 of 1.', 'Done.']);
    const many = await runStepsTurn([user('[demo:steps=99]')]);
    assert.equal(many.stepTexts.length, 11);
    assert.equal(many.stepTexts[9], 'Step 10 of 10.');
  });

  it('is cut by the step limit like any tool loop, and goes on with the next message', async () => {
    const cut = await runStepsTurn([user('[demo:steps=5]')], { maxSteps: 2 });
    assert.deepEqual(cut.stepTexts, ['Step 1 of 5.', 'Step 2 of 5.']);
  });

  it('answers as the default model when demo_step is not offered', async () => {
    const { stepTexts } = await runStepsTurn([user('[demo:steps]')], { demoSteps: false });
    assert.equal(stepTexts.length, 1);
    assert.match(stepTexts[0] ?? '', /^You said: ""\./);
  });

  it('a message steered during step 1 arrives as a steering-message chunk, and step 2 notes it', async () => {
    let steered = false;
    const { chunks, stepTexts } = await runStepsTurn([user('Weather please [demo:steps]')], {
      model: pacedOptions,
      onChunk: (chunk, steering) => {
        if (chunk.type === 'text-delta' && !steered) {
          steered = true;
          void steering.steer({ role: 'user', content: 'use Paris, Texas!' }, { id: 'follow-1' });
        }
      },
    });
    assert.deepEqual(stepTexts, [
      'Step 1 of 3.',
      'Noted: use Paris, Texas. Step 2 of 3.',
      'Step 3 of 3.',
      'Done.',
    ]);
    const types = chunks.map((chunk) => chunk.type);
    const steeringIndex = types.indexOf('steering-message');
    const secondStep = types.indexOf('start-step', types.indexOf('start-step') + 1);
    const secondStepText = types.indexOf('text-delta', secondStep);
    assert.ok(steeringIndex > types.indexOf('finish-step'), 'after step 1 ended');
    assert.ok(steeringIndex < secondStepText, 'before step 2 speaks');
    const steering = chunks[steeringIndex];
    assert.deepEqual(steering, {
      type: 'steering-message',
      id: 'follow-1',
      parts: [{ type: 'text', text: 'use Paris, Texas!' }],
    });
  });

  it('notes each of several steering messages, in order', async () => {
    let steered = false;
    const { stepTexts } = await runStepsTurn([user('[demo:steps=2]')], {
      model: pacedOptions,
      onChunk: (chunk, steering) => {
        if (chunk.type === 'text-delta' && !steered) {
          steered = true;
          void steering.steer('first');
          void steering.steer('second');
        }
      },
    });
    assert.deepEqual(stepTexts, [
      'Step 1 of 2.',
      'Noted: first. Noted: second. Step 2 of 2.',
      'Done.',
    ]);
  });

  it('delivers a queued message after the last step and answers it briefly', async () => {
    let queued = false;
    const outcomes: Promise<unknown>[] = [];
    const { chunks, stepTexts } = await runStepsTurn([user('[demo:steps=2]')], {
      model: pacedOptions,
      onChunk: (chunk, steering) => {
        if (chunk.type === 'text-delta' && !queued) {
          queued = true;
          outcomes.push(steering.queue('and then?', { id: 'queued-1' }));
        }
      },
    });
    assert.deepEqual(stepTexts, [
      'Step 1 of 2.',
      'Step 2 of 2.',
      'Done.',
      'Noted: and then. All 2 steps were already done.',
    ]);
    const [outcome] = await Promise.all(outcomes);
    assert.equal((outcome as { type: string }).type, 'delivered');
    const steeringIndex = chunks.findIndex((chunk) => chunk.type === 'steering-message');
    const doneIndex = chunks.findIndex(
      (chunk) => chunk.type === 'text-delta' && chunk.delta.startsWith('Done.'),
    );
    assert.ok(steeringIndex > doneIndex, 'the queued message comes after Done.');
  });

  it('gives a follow-up that missed the run the same answer in the next turn', async () => {
    const first = await runStepsTurn([user('[demo:steps=1]')]);
    assert.deepEqual(first.stepTexts, ['Step 1 of 1.', 'Done.']);
    const history: ModelMessage[] = [
      user('[demo:steps=1]'),
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Step 1 of 1.' },
          {
            type: 'tool-call',
            toolCallId: 'call-1',
            toolName: 'demo_step',
            input: { step: 1, steps: 1 },
          },
        ],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool-result',
            toolCallId: 'call-1',
            toolName: 'demo_step',
            output: { type: 'json', value: { step: 1, steps: 1, remaining: 0 } },
          },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'Done.' }] },
    ];
    const next = await runStepsTurn([...history, user('and then?')]);
    assert.deepEqual(next.stepTexts, ['Noted: and then. All 1 steps were already done.']);
    const other = await runStepsTurn([...history, user('[demo:words=3] hello')]);
    assert.equal(other.stepTexts[0]?.split(' ').length, 3, 'a directive is not a follow-up');
    const again = await runStepsTurn([...history, user('[demo:steps=1] again')]);
    assert.deepEqual(again.stepTexts, ['Step 1 of 1.', 'Done.'], 'a new steps answer starts');
  });
});
