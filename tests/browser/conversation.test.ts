import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { assistantMessagesOf, normalizeText, outcomeOf, textOf } from '../support/browser-api.ts';
import {
  lastAssistantMessage,
  renderedAssistantMessages,
  renderedMessages,
  sendMessage,
  waitForAssistantStatus,
  waitForChatStatus,
  waitForPartialAnswer,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

describe('a conversation in the browser', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '25' } });

  suite.test(
    'streams the answer progressively, ends completed, and shows the one answer the server persisted',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await page.getByTestId('empty-state').waitFor();
      const words = 200;
      await sendMessage(page, `Tell me how durable streams work [demo:words=${words}]`);
      const sessionId = await waitForSessionId(page);

      const early = await waitForPartialAnswer(page, 5);
      const partial = await waitForPartialAnswer(page, early.split(' ').length + 10);
      assert.ok(
        partial.startsWith(early) && partial.length > early.length,
        `the answer did not grow in place: "${early}" then "${partial}"`,
      );
      assert.ok(partial.split(' ').length < words, `caught only the complete answer: ${partial}`);
      assert.match(
        (await page.getByTestId('chat-status').getAttribute('data-status')) ?? '',
        /^(submitted|streaming)$/,
      );
      // The composer stays usable mid-turn: Send would steer the follow-up into this answer.
      await page.getByTestId('composer-input').fill('a follow-up typed while the answer streams');
      assert.equal(
        await page.getByTestId('send').isEnabled(),
        true,
        'Send takes a follow-up mid-turn',
      );
      await page.getByTestId('composer-input').fill('');
      assert.equal(await page.getByTestId('stop').isVisible(), true, 'Stop is hidden mid-turn');
      assert.equal(await lastAssistantMessage(page).getAttribute('data-status'), 'streaming');
      await screenshot(page, 'streaming');

      await waitForAssistantStatus(page, 'completed');
      await waitForChatStatus(page, 'ready');
      const rendered = await renderedMessages(page);
      assert.deepEqual(
        rendered.map((message) => message.role),
        ['user', 'assistant'],
      );
      const [, answer] = rendered;
      assert.ok(answer?.text.startsWith(partial), 'the final text does not extend the partial one');
      assert.equal(answer?.text.split(' ').length, words);

      const persisted = await api.waitForTurnToEnd(sessionId);
      const stored = assistantMessagesOf(persisted);
      assert.equal(stored.length, 1);
      assert.equal(outcomeOf(stored[0]), 'completed');
      assert.equal(stored[0]?.id, answer?.id, 'the page and the server disagree on the answer id');
      assert.equal(
        normalizeText(textOf(stored[0] ?? { id: '', role: 'assistant', parts: [] })),
        answer?.text,
      );

      const usage = await lastAssistantMessage(page).getByTestId('usage').textContent();
      const outputTokens = stored[0]?.metadata?.usage?.outputTokens;
      assert.ok(outputTokens !== undefined, 'the server persisted no usage');
      assert.match(usage ?? '', new RegExp(`\\b${outputTokens}\\b`), `usage shows "${usage}"`);
      await page.reload();
      await waitForAssistantStatus(page, 'completed');
      const usageAfterReload = await lastAssistantMessage(page).getByTestId('usage').textContent();
      assert.equal(usageAfterReload, usage, 'the usage differs after a reload');
    },
  );

  suite.test(
    'renders markdown in the answer as formatting, not as raw asterisks and backticks',
    async ({ openPage, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Render **bold words** and `inline code` please [demo:words=30]');
      await waitForAssistantStatus(page, 'completed');
      const answerText = lastAssistantMessage(page).getByTestId('message-text');
      assert.equal(await answerText.locator('strong').first().textContent(), 'bold words');
      assert.equal(await answerText.locator('code').first().textContent(), 'inline code');
      const text = normalizeText((await answerText.textContent()) ?? '');
      assert.doesNotMatch(text, /\*\*|`/);
      await screenshot(page, 'completed-with-markdown');
    },
  );

  suite.test(
    'shows a calculator tool call collapsed to one line (tool, input, done), opening to its input and output 84',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, 'calculate 12*(3+4)');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      const toolCall = lastAssistantMessage(page).getByTestId('tool-call');
      assert.equal(await toolCall.count(), 1);
      assert.equal(await toolCall.getAttribute('data-tool-name'), 'calculator');
      assert.equal(await toolCall.getAttribute('data-state'), 'done');
      const summary = toolCall.getByTestId('tool-call-summary');
      assert.equal(
        normalizeText((await summary.textContent()) ?? ''),
        '⚙calculatorexpression: 12*(3+4)done',
      );
      const summaryBox = await summary.boundingBox();
      const callBox = await toolCall.boundingBox();
      assert.ok(summaryBox && callBox && callBox.height - summaryBox.height < 4, 'not one line');
      assert.equal(await toolCall.getByTestId('tool-output').isVisible(), false, 'starts open');
      await screenshot(page, 'tool-call-collapsed');
      // Keyboard first: the summary is a focusable control that Enter opens.
      await summary.focus();
      await page.keyboard.press('Enter');
      await toolCall.getByTestId('tool-output').waitFor({ state: 'visible' });
      assert.equal(await toolCall.getAttribute('open'), '');
      await summary.click();
      await toolCall.getByTestId('tool-output').waitFor({ state: 'hidden' });
      await summary.click();
      await toolCall.getByTestId('tool-output').waitFor({ state: 'visible' });
      assert.match(
        (await toolCall.getByTestId('tool-input').textContent()) ?? '',
        /12\s*\*\s*\(3\s*\+\s*4\)/,
      );
      assert.match((await toolCall.getByTestId('tool-output').textContent()) ?? '', /\b84\b/);
      assert.equal(await toolCall.getByTestId('tool-error').count(), 0);
      const answers = await renderedAssistantMessages(page);
      assert.equal(answers.length, 1);
      assert.match(answers[0]?.text ?? '', /84/);
      await screenshot(page, 'tool-call-expanded');

      const stored = assistantMessagesOf(await api.waitForTurnToEnd(sessionId));
      assert.equal(stored.length, 1);
      const toolPart = stored[0]?.parts.find((part) => part.type === 'tool-calculator');
      assert.ok(toolPart && 'output' in toolPart, 'the server persisted no calculator result');
      assert.match(JSON.stringify(toolPart.output), /84/);
    },
  );

  suite.test(
    'shows a failing tool call as failed with its error, and the answer still completes',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      await sendMessage(page, 'calculate 7/0');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      const toolCall = lastAssistantMessage(page).getByTestId('tool-call');
      assert.equal(await toolCall.count(), 1);
      assert.equal(await toolCall.getAttribute('data-state'), 'failed');
      assert.match((await toolCall.getByTestId('tool-input').textContent()) ?? '', /7\s*\/\s*0/);
      const toolError = normalizeText(
        (await toolCall.getByTestId('tool-error').textContent()) ?? '',
      );
      assert.match(toolError, /division by zero/);
      assert.equal(await toolCall.getByTestId('tool-output').count(), 0);
      assert.equal(
        await page.getByTestId('error-notice').count(),
        0,
        'a failed tool failed the turn',
      );

      const stored = assistantMessagesOf(await api.waitForTurnToEnd(sessionId));
      assert.equal(outcomeOf(stored[0]), 'completed');
      await page.reload();
      await waitForAssistantStatus(page, 'completed');
      assert.equal(await page.getByTestId('tool-call').getAttribute('data-state'), 'failed');
    },
  );

  suite.test('a double-click on Send sends the message once', async ({ openPage, api }) => {
    const page = await openPage('/');
    await page.getByTestId('composer-input').fill('Only once, please [demo:words=20]');
    await page.getByTestId('send').dblclick();
    const sessionId = await waitForSessionId(page);
    await waitForAssistantStatus(page, 'completed');
    const persisted = await api.waitForTurnToEnd(sessionId);
    assert.deepEqual(
      persisted.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.deepEqual(
      (await renderedMessages(page)).map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.equal(await page.getByTestId('conflict-notice').count(), 0);
  });

  suite.test(
    'names every message after its author for screen readers: You, then Assistant',
    async ({ openPage }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Who said what? [demo:words=8]');
      await waitForAssistantStatus(page, 'completed');
      const articles = page.getByRole('article');
      assert.equal(await articles.count(), 2);
      const question = page.getByRole('article', { name: 'You', exact: true });
      const answer = page.getByRole('article', { name: 'Assistant', exact: true });
      assert.equal(await question.getAttribute('data-role'), 'user');
      assert.equal(await answer.getAttribute('data-role'), 'assistant');
      // The chat list's date headings are the sidebar's; the conversation's are the authors.
      const conversationHeadings = page.getByRole('main').getByRole('heading', { level: 2 });
      assert.deepEqual(await conversationHeadings.allTextContents(), ['You', 'Assistant']);
    },
  );
});
