import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assistantMessagesOf,
  normalizeText,
  outcomeOf,
  type ProductApi,
  textOf,
} from '../support/browser-api.ts';
import {
  renderedMessages,
  sendMessage,
  waitForAssistantStatus,
  waitForPartialAnswer,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

/**
 * The page and the server agree: the page shows exactly what the server persisted (ids, roles,
 * text), each question has one answer, and the last answer ended as `outcome`.
 */
async function assertOneAnswerEach(
  page: Page,
  api: ProductApi,
  sessionId: string,
  outcome: string,
  when: string,
) {
  const persisted = await api.waitForTurnToEnd(sessionId);
  const stored = persisted.messages.map((message) => ({
    role: message.role,
    id: message.id,
    text: normalizeText(textOf(message)),
  }));
  const shown = (await renderedMessages(page)).map(({ role, id, text }) => ({ role, id, text }));
  assert.deepEqual(shown, stored, `${when}: the page differs from the server`);
  const roles = stored.map((message) => message.role);
  roles.forEach((role, index) => {
    assert.equal(role, index % 2 === 0 ? 'user' : 'assistant', `${when}: ${roles.join(',')}`);
  });
  assert.equal(outcomeOf(assistantMessagesOf(persisted).at(-1)), outcome, when);
  return stored;
}

/** Waits until the page's last answer is a different message than `previousId`, ended as `status`. */
async function waitForNewAnswer(
  page: Page,
  previousId: string | null | undefined,
  status: 'completed' | 'stopped' | 'failed',
): Promise<void> {
  await page.waitForFunction(
    ([previous, expected]) => {
      const answers = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
      const last = answers[answers.length - 1];
      return (
        last !== undefined &&
        last.getAttribute('data-message-id') !== previous &&
        last.getAttribute('data-status') === expected
      );
    },
    [previousId ?? '', status] as const,
    { timeout: 30_000 },
  );
}

describe('regenerate, retry and edit in the browser', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '25' } });

  suite.test(
    'Regenerate on a reloaded chat replaces the last answer, and a reload shows only the new one',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, 'First question [demo:words=6]');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      await sendMessage(page, 'Second question [demo:words=6]');
      await page.getByTestId('regenerate-answer').waitFor();
      const before = await assertOneAnswerEach(page, api, sessionId, 'completed', 'before');
      assert.equal(before.length, 4);

      // The ids now come from the server, not from the stream.
      await page.reload();
      await page.getByTestId('regenerate-answer').click();
      await waitForNewAnswer(page, before[3]?.id, 'completed');
      await screenshot(page, 'regenerated-answer');
      const after = await assertOneAnswerEach(page, api, sessionId, 'completed', 'regenerated');
      assert.deepEqual(after.slice(0, 3), before.slice(0, 3), 'what came before is untouched');
      assert.notEqual(after[3]?.id, before[3]?.id);
      assert.equal(after.length, 4);

      await page.reload();
      await page.getByTestId('regenerate-answer').waitFor();
      await assertOneAnswerEach(page, api, sessionId, 'completed', 'after a reload');
    },
  );

  suite.test(
    'Retry after an error replaces the failed answer with a completed one, also after a reload',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Try this twice [demo:flaky] [demo:words=6]');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'failed');
      const failed = await assertOneAnswerEach(page, api, sessionId, 'failed', 'failed');
      assert.equal(await page.getByTestId('regenerate-answer').count(), 0);

      await page.getByTestId('retry-answer').click();
      await waitForNewAnswer(page, failed[1]?.id, 'completed');
      assert.equal(await page.getByTestId('error-notice').count(), 0, 'the error is gone');
      const retried = await assertOneAnswerEach(page, api, sessionId, 'completed', 'retried');
      assert.match(retried[1]?.text ?? '', /^You said: "Try this twice"/);

      await page.reload();
      await waitForAssistantStatus(page, 'completed');
      assert.equal(await page.getByTestId('error-notice').count(), 0);
      await assertOneAnswerEach(page, api, sessionId, 'completed', 'after a reload');
    },
  );

  suite.test(
    'Retry after a stop streams a new answer that survives a reload mid-answer',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Talk for a while [demo:words=160]');
      const sessionId = await waitForSessionId(page);
      await waitForPartialAnswer(page, 3);
      await page.getByTestId('stop').click();
      await waitForAssistantStatus(page, 'stopped');
      const stopped = await assertOneAnswerEach(page, api, sessionId, 'cancelled', 'stopped');

      await page.getByTestId('retry-answer').click();
      await waitForPartialAnswer(page, 5);
      await page.reload();
      await waitForNewAnswer(page, stopped[1]?.id, 'completed');
      const retried = await assertOneAnswerEach(page, api, sessionId, 'completed', 'retried');
      assert.equal(retried[1]?.text.split(' ').length, 160, 'the whole new answer, once');
    },
  );

  suite.test(
    'Edit & resend rewrites an earlier message, drops what followed and answers it; Cancel keeps it',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Original question [demo:words=6]');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      await sendMessage(page, 'A follow-up [demo:words=6]');
      await page.getByTestId('regenerate-answer').waitFor();
      const before = await assertOneAnswerEach(page, api, sessionId, 'completed', 'before');

      const edit = page.getByTestId('edit-message').first();
      await edit.click();
      const input = page.getByTestId('message-editor-input');
      assert.equal(await input.inputValue(), 'Original question [demo:words=6]');
      await page.getByTestId('message-editor-cancel').click();
      assert.equal(await page.getByTestId('message-editor').count(), 0);
      assert.deepEqual(
        await assertOneAnswerEach(page, api, sessionId, 'completed', 'cancelled edit'),
        before,
      );

      await edit.click();
      await input.fill('Rewritten question [demo:words=6]');
      await screenshot(page, 'editing-a-message');
      await page.getByTestId('message-editor-save').click();
      await waitForNewAnswer(page, before[3]?.id, 'completed');
      const after = await assertOneAnswerEach(page, api, sessionId, 'completed', 'edited');
      assert.deepEqual(
        after.map(({ role, text }) => [role, text.split('.')[0]]),
        [
          ['user', 'Rewritten question [demo:words=6]'],
          ['assistant', 'You said: "Rewritten question"'],
        ],
      );
      assert.equal(after[0]?.id, before[0]?.id, 'the edited message keeps its id');

      await page.reload();
      await waitForAssistantStatus(page, 'completed');
      assert.deepEqual(
        await assertOneAnswerEach(page, api, sessionId, 'completed', 'after a reload'),
        after,
      );
    },
  );
});
