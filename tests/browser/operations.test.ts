import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { normalizeText } from '../support/browser-api.ts';
import {
  assertNotReloaded,
  lastAssistantMessage,
  markPage,
  sendMessage,
  waitForAssistantStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

/** Long enough to see the card running, short enough to keep the suite quick. */
const operationDelayMs = 1500;

describe('long-running operations in the browser', () => {
  const suite = browserSuite({
    environment: { DEMO_OPERATION_DELAY_MS: String(operationDelayMs), DEMO_TOKEN_DELAY_MS: '5' },
  });

  suite.test(
    'the operation card shows running, turns to done in place, and the continuation answer appears without a reload',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, '[demo:operation] build the site');
      const sessionId = await waitForSessionId(page);
      const card = page.getByTestId('operation');
      await page.locator('[data-testid="operation"][data-state="running"]').waitFor();
      assert.equal(await card.getByTestId('operation-status').textContent(), 'running');
      await markPage(page);
      await screenshot(page, 'operation-running');

      await page.locator('[data-testid="operation"][data-state="completed"]').waitFor();
      assert.equal(await card.count(), 1, 'the card was updated in place, not added again');
      assert.equal(await card.getByTestId('operation-status').textContent(), 'done');
      assert.match(
        (await card.getByTestId('operation-result').textContent()) ?? '',
        /Finished: build the site/,
      );
      await lastAssistantMessage(page).filter({ hasText: 'has completed' }).waitFor();
      await waitForAssistantStatus(page, 'completed');
      assert.equal(
        await page.getByTestId('operation-notice').textContent(),
        'demo_operation finished',
      );
      await card.getByTestId('operation-go-to-result').click();
      await assertNotReloaded(page);
      await screenshot(page, 'operation-done');

      const detail = await api.waitForTurnToEnd(sessionId);
      assert.deepEqual(
        detail.messages.map(({ role }) => role),
        ['user', 'assistant', 'system', 'assistant'],
      );
      const shownAnswers = await page
        .locator('[data-testid="message"][data-role="assistant"]')
        .count();
      assert.equal(shownAnswers, 2, 'the first answer and the continuation, each once');
      assert.equal(
        await lastAssistantMessage(page).getAttribute('data-message-id'),
        detail.messages[3]?.id,
      );
    },
  );

  suite.test(
    'a failing operation shows failed with its error, and the continuation explains it',
    async ({ openPage, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, '[demo:operation=fail] x');
      await page.locator('[data-testid="operation"][data-state="running"]').waitFor();
      await markPage(page);
      const failed = page.locator('[data-testid="operation"][data-state="failed"]');
      await failed.waitFor();
      assert.equal(await failed.getByTestId('operation-status').textContent(), 'failed');
      assert.match(
        normalizeText((await failed.getByTestId('operation-error').textContent()) ?? ''),
        /the demo task "x" failed/,
      );
      await page.locator('[data-testid="operation-notice"][data-state="failed"]').waitFor();
      await lastAssistantMessage(page).filter({ hasText: 'failed' }).waitFor();
      await assertNotReloaded(page);
      await screenshot(page, 'operation-failed');
    },
  );
});
