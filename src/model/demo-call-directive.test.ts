import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import { parseDemoCallDirective } from './demo-call-directive.ts';
import { createDemoLanguageModel } from './demo-language-model.ts';

const model = createDemoLanguageModel({ tokenDelayMs: 0, answerWords: 12, slowSilenceMs: 0 });

describe('demo model [demo:call=NAME {input}]', () => {
  it('reads the tool name and the JSON input, which may hold brackets and braces in strings', () => {
    assert.deepEqual(parseDemoCallDirective('please [demo:call=word_count {"text":"a ] b } c"}]'), {
      toolName: 'word_count',
      input: { text: 'a ] b } c' },
    });
    assert.deepEqual(
      parseDemoCallDirective('[DEMO:CALL=Render-Report {"pages":[1,2],"meta":{"a":"\\"}"}} ]'),
      { toolName: 'Render-Report', input: { pages: [1, 2], meta: { a: '"}' } } },
    );
    assert.deepEqual(parseDemoCallDirective('[demo:call=always_fails]'), {
      toolName: 'always_fails',
      input: {},
    });
  });

  it('is no directive when malformed: not an object, bad JSON, unclosed, or no name', () => {
    for (const text of [
      'hello',
      '[demo:call=x [1,2]]',
      '[demo:call=x {"a":1]',
      '[demo:call=x {"a":}]',
      '[demo:call=x {"a":1}',
      '[demo:call=x {"a":1} trailing]',
      '[demo:call= {"a":1}]',
      '[demo:call=bad.name]',
    ]) {
      assert.equal(parseDemoCallDirective(text), undefined, text);
    }
  });

  it('calls the named tool with that input when it is offered, then describes its output', async () => {
    const received: unknown[] = [];
    const tools = {
      word_count: tool({
        description: 'Counts words.',
        inputSchema: jsonSchema<{ text: string }>({ type: 'object' }),
        execute: async (input) => {
          received.push(input);
          return { words: 2 };
        },
      }),
    };
    const result = await generateText({
      model,
      prompt: 'count these [demo:call=word_count {"text":"two words"}]',
      tools,
      stopWhen: stepCountIs(3),
    });
    assert.deepEqual(received, [{ text: 'two words' }]);
    assert.equal(result.text, 'The word_count tool returned {"words":2}.');
  });

  it('answers in text when the named tool is not offered', async () => {
    const result = await generateText({
      model,
      prompt: '[demo:call=word_count {"text":"two words"}]',
      tools: {},
    });
    assert.equal(result.steps.length, 1);
    assert.equal(result.toolCalls.length, 0);
    assert.match(result.text, /^You said:/);
  });
});
