import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LanguageModelV4, LanguageModelV4CallOptions } from '@ai-sdk/provider';
import type { UIMessage } from 'ai';
import { createLogger } from '../logger.ts';
import { createDemoLanguageModel } from '../model/demo-language-model.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { createPgliteSqlClient } from '../store/pglite-sql-client.ts';
import { SqlChatStore } from '../store/sql-chat-store.ts';
import {
  estimateHistoryTokens,
  estimateTokens,
  exchangesOf,
  historyTokensOf,
  splitToFit,
} from './context-budget.ts';
import { historyWithinContext, withSummary } from './history-within-context.ts';

const logger = createLogger('silent');

function user(id: string, text: string): UIMessage {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

function answer(id: string, text: string): UIMessage {
  return { id, role: 'assistant', parts: [{ type: 'text', text, state: 'done' }] };
}

/** An answer that called the calculator and read its result: one message, call and result. */
function toolAnswer(id: string): UIMessage {
  return {
    id,
    role: 'assistant',
    parts: [
      {
        type: 'tool-calculator',
        toolCallId: `call-${id}`,
        state: 'output-available',
        input: { expression: '6*7' },
        output: { result: 42 },
      },
      { type: 'text', text: 'The result is 42.', state: 'done' },
    ],
  };
}

/** `count` exchanges of about 40 estimated tokens each; every third answer called a tool. */
function conversation(count: number, prefix = 'm'): UIMessage[] {
  return Array.from({ length: count }, (_, index) => [
    user(`${prefix}-q${index}`, `Question ${index}: what do we know about topic ${index}?`),
    index % 3 === 2
      ? toolAnswer(`${prefix}-a${index}`)
      : answer(`${prefix}-a${index}`, `Answer ${index}: topic ${index} is well understood.`),
  ]).flat();
}

/** The demo model, counting what it is asked (summaries go through `doGenerate`). */
function countingModel() {
  const model = createDemoLanguageModel({ tokenDelayMs: 0, answerWords: 30, slowSilenceMs: 0 });
  const prompts: LanguageModelV4CallOptions['prompt'][] = [];
  const counted: LanguageModelV4 = {
    ...model,
    doGenerate: (options) => {
      prompts.push(options.prompt);
      return model.doGenerate(options);
    },
    doStream: (options) => {
      prompts.push(options.prompt);
      return model.doStream(options);
    },
  };
  return { model: counted, prompts };
}

describe('context budget', () => {
  it('estimates high rather than low: a third of a token per byte, plus framing per message', () => {
    assert.equal(estimateTokens('abcdef'), 2);
    assert.equal(estimateTokens('é'), 1);
    const message = user('u', 'twelve bytes');
    assert.ok(estimateHistoryTokens([message]) > estimateTokens('twelve bytes'));
  });

  it('leaves the history the context less a tenth, the answer and the system prompt', () => {
    assert.equal(
      historyTokensOf({ contextTokens: 10_000, maxOutputTokens: 1_000, systemPrompt: 'abcdef' }),
      9_000 - 1_000 - 2,
    );
  });

  it('cuts a history into exchanges: a question with every answer that follows it', () => {
    const messages = [
      answer('greeting', 'Hello!'),
      user('q1', 'one'),
      answer('a1', 'first'),
      toolAnswer('a1b'),
      { id: 's1', role: 'system', parts: [{ type: 'text', text: 'Operation x completed' }] },
      answer('a2', 'continued'),
      user('q3', 'three'),
    ] satisfies UIMessage[];
    assert.deepEqual(
      exchangesOf(messages).map((exchange) => exchange.map((message) => message.id)),
      [['greeting'], ['q1', 'a1', 'a1b'], ['s1', 'a2'], ['q3']],
    );
  });

  it('keeps the newest whole exchanges within the budget, and the newest one even alone over it', () => {
    const messages = conversation(10);
    const lastTwo = estimateHistoryTokens(messages.slice(-4));
    const { older, newer } = splitToFit(messages, lastTwo);
    assert.deepEqual(
      newer.map((message) => message.id),
      ['m-q8', 'm-a8', 'm-q9', 'm-a9'],
    );
    assert.equal(older.length, 16);
    const tiny = splitToFit(messages, 1);
    assert.deepEqual(
      tiny.newer.map((message) => message.id),
      ['m-q9', 'm-a9'],
    );
  });
});

describe('historyWithinContext', () => {
  let store: ChatStore;
  before(async () => {
    store = await SqlChatStore.open(await createPgliteSqlClient({}));
  });
  after(() => store.close());

  async function fitted(history: UIMessage[], historyTokens: number, model = countingModel()) {
    const session = await store.createSession({ userId: null });
    const options = {
      store,
      model: model.model,
      logger,
      sessionId: session.id,
      historyTokens,
      abortSignal: new AbortController().signal,
    };
    return { session, model, options, result: await historyWithinContext(history, options) };
  }

  it('sends a history that fits whole, with no summary and no model call', async () => {
    const history = conversation(5);
    const { result, model, session } = await fitted(history, 10_000);
    assert.deepEqual(result, { messages: history, summary: null });
    assert.equal(model.prompts.length, 0);
    assert.equal(await store.getContextSummary(session.id), null);
  });

  it('reads a long history as a stored summary of its oldest exchanges and the newest whole ones', async () => {
    const history = conversation(60);
    const budget = 1_200;
    assert.ok(estimateHistoryTokens(history) > budget * 2);
    const { result, model, session } = await fitted(history, budget);
    assert.equal(model.prompts.length, 1, 'one summary');
    assert.ok(result.summary !== null && result.summary.length > 0);
    assert.deepEqual(await store.getContextSummary(session.id), {
      throughMessageId: history[history.length - result.messages.length - 1]?.id,
      text: result.summary,
    });
    assert.ok(estimateHistoryTokens(result.messages) <= budget / 2);
    assert.deepEqual(
      result.messages,
      history.slice(-result.messages.length),
      'a suffix, unchanged',
    );
    assert.equal(result.messages[0]?.role, 'user', 'starts with a question');
    assert.ok(
      result.messages.some(
        (message) => message.id.startsWith('m-a') && message.parts[0]?.type === 'tool-calculator',
      ),
    );
    const summarised = JSON.stringify(model.prompts[0]);
    assert.match(
      summarised,
      /called calculator with \{\\+"expression\\+":\\+"6\*7\\+"\} returned \{\\+"result\\+":42\}/,
    );
  });

  it('reuses the stored summary on later turns while what follows it fits, then makes the next from it', async () => {
    const history = conversation(60);
    const budget = 1_200;
    const first = await fitted(history, budget);
    const stored = await store.getContextSummary(first.session.id);
    let grown = history;
    let turns = 0;
    // Each turn adds an exchange; the summary stands until the newer exchanges fill the room.
    for (;;) {
      grown = [...grown, ...conversation(1, `later-${turns}`)];
      turns += 1;
      const next = await historyWithinContext(grown, first.options);
      if (first.model.prompts.length > 1) {
        assert.ok(turns > 1, 'a summary serves more than one turn');
        const replaced = await store.getContextSummary(first.session.id);
        assert.notEqual(replaced?.throughMessageId, stored?.throughMessageId);
        assert.match(JSON.stringify(first.model.prompts.at(-1)), /Summary so far/);
        assert.equal(next.summary, replaced?.text);
        break;
      }
      assert.equal(next.summary, stored?.text, 'the stored summary, reused');
      assert.deepEqual(await store.getContextSummary(first.session.id), stored);
      assert.equal(grown[grown.length - next.messages.length - 1]?.id, stored?.throughMessageId);
      assert.ok(turns < 50, 'the summary is renewed once the room is used up');
    }
  });

  it('does not use a summary whose last message is gone (a regenerate or an edit removed it)', async () => {
    const history = conversation(60);
    const first = await fitted(history, 1_200);
    const rewritten = conversation(61, 'rewritten');
    const next = await historyWithinContext(rewritten, first.options);
    assert.equal(first.model.prompts.length, 2, 'summarised again');
    assert.doesNotMatch(JSON.stringify(first.model.prompts[1]), /Summary so far/);
    assert.equal(next.messages.at(-1)?.id, rewritten.at(-1)?.id);
  });

  it('leaves the oldest exchanges out when the model cannot summarise them', async () => {
    // Every question makes the demo model fail, whichever of them the summary call reads.
    const history = conversation(60).map((message) =>
      message.role === 'user'
        ? user(message.id, 'this one chokes the model [demo:fatal]')
        : message,
    );
    const { result, session } = await fitted(history, 1_200);
    assert.equal(result.summary, null);
    assert.equal(await store.getContextSummary(session.id), null);
    assert.ok(estimateHistoryTokens(result.messages) <= 1_200);
    assert.equal(result.messages.at(-1)?.id, history.at(-1)?.id);
  });

  it('puts the summary after the system prompt', () => {
    assert.equal(withSummary('Be brief.', null), 'Be brief.');
    assert.match(
      withSummary('Be brief.', 'They met.'),
      /^Be brief\.\n\n.*not shown.*\nThey met\.$/s,
    );
  });
});
