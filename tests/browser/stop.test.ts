import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assistantMessagesOf,
  normalizeText,
  type ProductApi,
  textOf,
  outcomeOf,
} from '../support/browser-api.ts';
import {
  lastAssistantMessage,
  renderedAssistantMessages,
  sendMessage,
  waitForAssistantStatus,
  waitForChatStatus,
  waitForPartialAnswer,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

const answerWords = 400;

/** The page shows one stopped answer (not an error) whose text is what the server kept. */
async function assertStopped(
  page: Page,
  api: ProductApi,
  sessionId: string,
  partial: string,
  when: string,
) {
  await waitForAssistantStatus(page, 'stopped');
  await page.getByTestId('stopped-notice').waitFor();
  assert.equal(
    await page.getByTestId('error-notice').count(),
    0,
    `${when}: a stop is shown as an error`,
  );
  assert.notEqual(await page.getByTestId('chat-status').getAttribute('data-status'), 'error', when);
  const answers = await renderedAssistantMessages(page);
  assert.equal(answers.length, 1, `${when}: ${JSON.stringify(answers)}`);
  const shown = answers[0]?.text ?? '';
  assert.ok(shown.startsWith(partial), `${when}: the partial text was not kept: "${shown}"`);
  assert.ok(shown.split(' ').length < answerWords, `${when}: the answer was not stopped`);

  const persisted = await api.waitForTurnToEnd(sessionId);
  const stored = assistantMessagesOf(persisted);
  assert.equal(stored.length, 1, when);
  assert.equal(
    outcomeOf(stored[0]),
    'cancelled',
    `${when}: the server did not end the turn cancelled`,
  );
  assert.equal(
    normalizeText(textOf(stored[0] ?? { id: '', role: 'assistant', parts: [] })),
    shown,
    when,
  );
  return shown;
}

describe('stopping an answer in the browser', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '25' } });

  suite.test(
    'Stop mid-answer keeps the partial text, shows a stop (not an error), ends the turn cancelled on the server and stays stopped after a reload',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, `Write a very long essay [demo:words=${answerWords}]`);
      const sessionId = await waitForSessionId(page);
      const partial = await waitForPartialAnswer(page, 5 + Math.floor(Math.random() * 30));
      await page.getByTestId('stop').click();
      const shown = await assertStopped(page, api, sessionId, partial, 'after Stop');
      await waitForChatStatus(page, 'ready');
      await screenshot(page, 'stopped');

      await page.reload();
      await waitForAssistantStatus(page, 'stopped');
      assert.equal(await assertStopped(page, api, sessionId, partial, 'after a reload'), shown);

      await sendMessage(page, 'And now a short one [demo:words=6]');
      await waitForAssistantStatus(page, 'completed');
      assert.equal((await renderedAssistantMessages(page)).length, 2);
      assert.equal(
        await page
          .locator('[data-testid="message"][data-role="assistant"]')
          .first()
          .getAttribute('data-status'),
        'stopped',
      );
    },
  );

  suite.test('Escape in the composer stops the running answer', async ({ openPage, api }) => {
    const page = await openPage('/');
    await sendMessage(page, `Write another very long essay [demo:words=${answerWords}]`);
    const sessionId = await waitForSessionId(page);
    const partial = await waitForPartialAnswer(page, 5 + Math.floor(Math.random() * 30));
    await page.getByTestId('composer-input').focus();
    await page.keyboard.press('Escape');
    await assertStopped(page, api, sessionId, partial, 'after Escape');
    assert.equal(await lastAssistantMessage(page).getAttribute('data-status'), 'stopped');
  });

  suite.test(
    'Stop right after Send, before any answer text, ends as a stop everywhere, also after a reload',
    async ({ openPage, api }) => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const page = await openPage('/');
        await sendMessage(page, `Stop me before I start [demo:words=${answerWords}] ${attempt}`);
        const sessionId = await waitForSessionId(page);
        await page.waitForTimeout(Math.floor(Math.random() * 300));
        await page.getByTestId('stop').click();
        const when = `stop attempt ${attempt}`;
        await page.getByTestId('stopped-notice').waitFor();
        await waitForChatStatus(page, 'ready');
        assert.equal(
          await page.getByTestId('error-notice').count(),
          0,
          `${when}: shown as an error`,
        );
        const persisted = await api.waitForTurnToEnd(sessionId);
        const stored = assistantMessagesOf(persisted);
        assert.equal(stored.length, 1, `${when}: the server holds ${stored.length} answers`);
        assert.equal(outcomeOf(stored[0]), 'cancelled', when);
        const storedText = normalizeText(
          textOf(stored[0] ?? { id: '', role: 'assistant', parts: [] }),
        );
        const shown = await renderedAssistantMessages(page);
        assert.ok(shown.length <= 1, `${when}: ${JSON.stringify(shown)}`);
        assert.equal(shown[0]?.text ?? '', storedText, `${when}: the page and the server disagree`);
        if (shown[0]) assert.equal(shown[0].status, 'stopped', when);

        await page.reload();
        await page.getByTestId('stopped-notice').waitFor();
        assert.equal(await page.getByTestId('error-notice').count(), 0, `${when}, reloaded`);
        await page.close();
      }
    },
  );
});
