import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { assistantMessagesOf, outcomeOf } from '../support/browser-api.ts';
import {
  lastAssistantMessage,
  sendMessage,
  waitForAssistantStatus,
  waitForChatStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

const looks: { name: string; contextOptions: BrowserContextOptions }[] = [
  {
    name: 'desktop',
    // The browser suite asks for less motion by default (it saves CPU); this look wants motion.
    contextOptions: { viewport: { width: 1280, height: 800 }, reducedMotion: 'no-preference' },
  },
  {
    name: 'phone-dark',
    contextOptions: {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      colorScheme: 'dark',
      reducedMotion: 'reduce',
    },
  },
];

/** The answer is streaming, shows the working indicator, and not one word yet. */
async function assertWorkingWithoutWords(page: Page, when: string): Promise<void> {
  const answer = lastAssistantMessage(page);
  await answer.getByTestId('working-indicator').waitFor();
  assert.equal(await answer.getAttribute('data-status'), 'streaming', when);
  const indicator = answer.getByTestId('working-indicator');
  assert.equal(await indicator.getAttribute('role'), 'status', when);
  assert.equal(await indicator.isVisible(), true, when);
  assert.equal(((await answer.textContent()) ?? '').includes('Working…'), true, when);
  const words = await answer.getByTestId('message-text').allTextContents();
  assert.equal(words.join('').trim(), '', `${when}: the answer already has words`);
}

async function focusedTestId(page: Page): Promise<string | null> {
  return page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
}

async function assertStoppedBeforeAnswering(page: Page, when: string): Promise<void> {
  const answer = lastAssistantMessage(page);
  await waitForAssistantStatus(page, 'stopped');
  assert.equal(
    await answer.getByTestId('stopped-notice').textContent(),
    'Stopped before answering',
    when,
  );
  assert.equal(await answer.getByTestId('working-indicator').count(), 0, when);
  assert.equal(await answer.getByTestId('message-text').count(), 0, `${when}: an empty bubble`);
  assert.equal(await page.getByTestId('error-notice').count(), 0, `${when}: shown as an error`);
}

describe('before the first word of an answer, in the browser', () => {
  // [demo:slow] keeps 20 s of silence before the first word (the default DEMO_SLOW_SILENCE_MS).
  const suite = browserSuite();

  for (const look of looks) {
    suite.test(
      `shows a working indicator under a [demo:slow] message until the first word, also after a reload re-attaches (${look.name})`,
      async ({ openPage, api, screenshot }) => {
        const page = await openPage('/');
        await sendMessage(page, 'Take your time [demo:slow] [demo:words=20]');
        const sessionId = await waitForSessionId(page);
        await assertWorkingWithoutWords(page, 'live');
        const animation = await page
          .getByTestId('working-indicator')
          .locator('.typing-dots span')
          .first()
          .evaluate((dot) => getComputedStyle(dot).animationName);
        if (look.contextOptions.reducedMotion === 'reduce') {
          assert.equal(animation, 'none', 'the dots move although the user asked for less motion');
        } else {
          assert.notEqual(animation, 'none', 'the dots stand still');
        }
        await screenshot(page, `working-indicator-${look.name}`);

        await page.reload();
        await api.waitForRunningTurn(sessionId);
        await assertWorkingWithoutWords(page, 'after a reload');
        await screenshot(page, `working-indicator-after-reload-${look.name}`);
        await api.cancelTurn(sessionId);
        await waitForAssistantStatus(page, 'stopped');
      },
      { contextOptions: look.contextOptions },
    );
  }

  suite.test(
    'Stop by mouse before the first word says "Stopped before answering", live and after a reload, and leaves focus in the composer',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Never mind [demo:slow] [demo:words=20]');
      const sessionId = await waitForSessionId(page);
      await assertWorkingWithoutWords(page, 'before Stop');
      await page.getByTestId('stop').click();
      await assertStoppedBeforeAnswering(page, 'live');
      await waitForChatStatus(page, 'ready');
      assert.equal(await focusedTestId(page), 'composer-input', 'Stop took the focus away');
      await screenshot(page, 'stopped-before-answering');

      const stored = assistantMessagesOf(await api.waitForTurnToEnd(sessionId));
      assert.equal(stored.length, 1);
      assert.equal(outcomeOf(stored[0]), 'cancelled');

      await page.reload();
      await assertStoppedBeforeAnswering(page, 'after a reload');
      // Focus in the composer means typing goes on at once.
      await page.keyboard.type('next');
      assert.equal(await page.getByTestId('composer-input').inputValue(), 'next');
    },
  );

  suite.test(
    'Escape pressed away from the composer stops the answer and puts focus in the composer',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Stop me from afar [demo:slow] [demo:words=20]');
      const sessionId = await waitForSessionId(page);
      await assertWorkingWithoutWords(page, 'before Escape');
      await page.locator('[data-testid="message"][data-role="user"]').click();
      assert.notEqual(await focusedTestId(page), 'composer-input');
      await page.keyboard.press('Escape');
      await assertStoppedBeforeAnswering(page, 'after Escape');
      await waitForChatStatus(page, 'ready');
      assert.equal(await focusedTestId(page), 'composer-input');
      assert.equal(
        outcomeOf(assistantMessagesOf(await api.waitForTurnToEnd(sessionId))[0]),
        'cancelled',
      );
    },
  );
});
