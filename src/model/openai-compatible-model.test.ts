import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { safeValidateTypes } from '@ai-sdk/provider-utils';
import {
  APICallError,
  RetryError,
  stepCountIs,
  streamText,
  type UIMessageChunk,
  uiMessageChunkSchema,
} from 'ai';
import {
  type FakeOpenAiServer,
  startFakeOpenAiServer,
} from '../../tests/support/fake-openai-server.ts';
import { createBuiltInTools } from '../executor/tools/built-in-tools.ts';
import { createLanguageModel } from './create-language-model.ts';

const demo = { tokenDelayMs: 0, answerWords: 5, slowSilenceMs: 0 };

describe('OpenAI-compatible model against a fake server', () => {
  let fake: FakeOpenAiServer;
  before(async () => {
    fake = await startFakeOpenAiServer();
  });
  after(async () => {
    await fake.close();
  });

  function configuredModel() {
    return createLanguageModel({
      openAiBaseUrl: `${fake.url}/v1`,
      openAiApiKey: 'sk-test-key',
      model: 'fake-gpt',
      demo,
    });
  }

  /** One turn as the executor runs it; returns the UI chunks (each schema-checked) and the errors seen. */
  async function runTurn(prompt: string, maxRetries?: number) {
    const errors: unknown[] = [];
    const result = streamText({
      model: configuredModel().model,
      messages: [{ role: 'user', content: prompt }],
      tools: createBuiltInTools(),
      stopWhen: stepCountIs(5),
      maxRetries,
      onError: ({ error }) => {
        errors.push(error);
      },
    });
    const chunks: UIMessageChunk[] = [];
    let thrown: unknown;
    try {
      const stream = result.toUIMessageStream({
        onError: (error) => {
          // After retries the AI SDK wraps the last APICallError in a RetryError.
          const cause = RetryError.isInstance(error) ? error.lastError : error;
          return APICallError.isInstance(cause)
            ? `upstream status ${cause.statusCode}`
            : 'upstream failure';
        },
      });
      for await (const chunk of stream) chunks.push(chunk);
    } catch (error) {
      thrown = error;
    }
    for (const chunk of chunks) {
      assert.ok(
        (await safeValidateTypes({ value: chunk, schema: uiMessageChunkSchema })).success,
        JSON.stringify(chunk),
      );
    }
    return { chunks, errors, thrown };
  }

  const deltasOf = (chunks: UIMessageChunk[]) =>
    chunks.flatMap((chunk) => (chunk.type === 'text-delta' ? [chunk.delta] : []));

  it('describes itself by model and base URL, without credentials', () => {
    const described = createLanguageModel({
      openAiBaseUrl: 'https://user:secret@llm.example/v1?key=abc',
      model: 'gpt-4o-mini',
      demo,
    });
    assert.equal(described.description, 'gpt-4o-mini at https://llm.example/v1');
    assert.equal(createLanguageModel({ model: 'ignored', demo }).description, 'demo model');
  });

  it('streams the text deltas in order and sends the API key and model', async () => {
    fake.enqueue({ type: 'text', deltas: ['Dur', 'able ', 'streams ', 'resume.'], delayMs: 5 });
    const requestsBefore = fake.requests.length;
    const { chunks, errors } = await runTurn('hello');
    assert.deepEqual(deltasOf(chunks), ['Dur', 'able ', 'streams ', 'resume.']);
    assert.deepEqual(chunks.at(-1), { type: 'finish', finishReason: 'stop' });
    assert.deepEqual(errors, []);
    assert.equal(fake.requestHeaders[requestsBefore]?.authorization, 'Bearer sk-test-key');
    const body = fake.requests[requestsBefore] as {
      model: string;
      stream: boolean;
      messages: unknown[];
    };
    assert.equal(body.model, 'fake-gpt');
    assert.equal(body.stream, true);
    assert.deepEqual(body.messages, [{ role: 'user', content: 'hello' }]);
  });

  it('parses a streamed tool call, runs the calculator and sends its result in the next request', async () => {
    fake.enqueue({
      type: 'tool-calls',
      toolCalls: [
        {
          id: 'call_abc',
          name: 'calculator',
          argumentChunks: ['{"expr', 'ession":"12*', '(3+4)"}'],
        },
      ],
    });
    fake.enqueue({ type: 'text', deltas: ['The answer ', 'is 84.'] });
    const requestsBefore = fake.requests.length;
    const { chunks } = await runTurn('calculate 12*(3+4)');

    const call = chunks.find((chunk) => chunk.type === 'tool-input-available');
    const output = chunks.find((chunk) => chunk.type === 'tool-output-available');
    assert.deepEqual(call, {
      type: 'tool-input-available',
      toolCallId: 'call_abc',
      toolName: 'calculator',
      input: { expression: '12*(3+4)' },
    });
    assert.deepEqual(output, {
      type: 'tool-output-available',
      toolCallId: 'call_abc',
      output: { expression: '12*(3+4)', result: 84 },
    });
    assert.deepEqual(deltasOf(chunks), ['The answer ', 'is 84.']);

    assert.equal(fake.requests.length, requestsBefore + 2);
    const first = fake.requests[requestsBefore] as {
      tools: Array<{ type: string; function: { name: string; parameters: unknown } }>;
    };
    assert.deepEqual(first.tools.map((offered) => offered.function.name).sort(), [
      'calculator',
      'current_time',
    ]);
    const calculator = first.tools.find((offered) => offered.function.name === 'calculator');
    assert.deepEqual(
      (calculator?.function.parameters as { required?: string[] } | undefined)?.required,
      ['expression'],
    );

    const second = fake.requests[requestsBefore + 1] as {
      messages: Array<Record<string, unknown>>;
    };
    assert.deepEqual(second.messages.slice(1), [
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_abc',
            type: 'function',
            function: { name: 'calculator', arguments: '{"expression":"12*(3+4)"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"expression":"12*(3+4)","result":84}' },
    ]);
  });

  it('surfaces a 401 as one error chunk carrying the status, without retrying', async () => {
    fake.enqueue({
      type: 'http-error',
      status: 401,
      message: 'Incorrect API key provided',
      code: 'invalid_api_key',
    });
    const requestsBefore = fake.requests.length;
    const { chunks, errors, thrown } = await runTurn('hello');
    assert.equal(thrown, undefined);
    assert.deepEqual(
      chunks.filter((chunk) => chunk.type === 'error'),
      [{ type: 'error', errorText: 'upstream status 401' }],
    );
    assert.equal(deltasOf(chunks).length, 0);
    assert.equal(fake.requests.length, requestsBefore + 1);
    assert.ok(APICallError.isInstance(errors[0]));
    assert.equal((errors[0] as APICallError).message, 'Incorrect API key provided');
  });

  it('retries a 500, then surfaces it as one error chunk once retries are exhausted', async () => {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      fake.enqueue({
        type: 'http-error',
        status: 500,
        message: 'The server had an error',
        errorType: 'server_error',
      });
    }
    const requestsBefore = fake.requests.length;
    const { chunks, errors } = await runTurn('hello', 1);
    assert.equal(fake.requests.length, requestsBefore + 2);
    assert.deepEqual(
      chunks.filter((chunk) => chunk.type === 'error'),
      [{ type: 'error', errorText: 'upstream status 500' }],
    );
    assert.equal(errors.length, 1);
    assert.ok(RetryError.isInstance(errors[0]));
    assert.equal(errors[0].errors.length, 2);
  });

  it('makes the UI stream reader throw, after the partial text, when the connection resets mid-answer', async () => {
    // Not an error chunk: the AI SDK rejects the reader instead. Callers must catch it (see report).
    fake.enqueue({ type: 'text', deltas: ['partial ', 'answer'], disconnectAfterDeltas: true });
    const { chunks, thrown } = await runTurn('hello', 0);
    assert.deepEqual(deltasOf(chunks), ['partial ', 'answer']);
    assert.ok(thrown instanceof Error);
  });
});
