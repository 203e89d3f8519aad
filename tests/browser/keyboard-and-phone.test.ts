import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { textOf } from '../support/browser-api.ts';
import {
  renderedMessages,
  sessionIdOf,
  sessionItem,
  waitForAssistantStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

const phone = { width: 390, height: 844 };
const phoneContext = {
  contextOptions: { viewport: phone, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

describe('keyboard and small screens', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '5' } });

  suite.test(
    'Shift+Enter inserts a newline and Enter sends the message',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      const input = page.getByTestId('composer-input');
      await input.click();
      await page.keyboard.type('first line');
      await page.keyboard.press('Shift+Enter');
      await page.keyboard.type('second line [demo:words=12]');
      assert.equal(await input.inputValue(), 'first line\nsecond line [demo:words=12]');
      assert.equal(await page.getByTestId('message').count(), 0, 'Shift+Enter sent the message');

      await page.keyboard.press('Enter');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      assert.equal(await input.inputValue(), '', 'the composer was not cleared after sending');
      const [userMessage] = (await api.waitForTurnToEnd(sessionId)).messages;
      assert.equal(userMessage?.role, 'user');
      assert.equal(
        textOf(userMessage ?? { id: '', role: 'user', parts: [] }),
        'first line\nsecond line [demo:words=12]',
      );
      assert.deepEqual(
        (await renderedMessages(page)).map((message) => message.role),
        ['user', 'assistant'],
      );
    },
  );

  suite.test(
    'at phone width the conversation and the composer fit without horizontal scrolling',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await page
        .getByTestId('composer-input')
        .fill(
          'A long message on a small screen with a longwordthatmightnotwrapnicelyonaphonescreenatall [demo:words=80]',
        );
      await page.getByTestId('send').click();
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      await api.waitForTurnToEnd(sessionId);

      const widths = await page.evaluate(() => ({
        document: document.documentElement.scrollWidth,
        body: document.body.scrollWidth,
        viewport: window.innerWidth,
      }));
      assert.equal(widths.viewport, phone.width);
      assert.ok(
        widths.document <= widths.viewport && widths.body <= widths.viewport,
        `the page scrolls sideways: ${JSON.stringify(widths)}`,
      );
      for (const testId of ['composer-input', 'send']) {
        const box = await page.getByTestId(testId).boundingBox();
        assert.ok(box, `${testId} is not rendered`);
        assert.ok(
          box.x >= 0 && box.x + box.width <= phone.width,
          `${testId} sticks out: ${JSON.stringify(box)}`,
        );
        assert.ok(
          box.y + box.height <= phone.height,
          `${testId} is below the screen: ${JSON.stringify(box)}`,
        );
      }
      const answer = await page
        .locator('[data-testid="message"][data-role="assistant"]')
        .last()
        .boundingBox();
      assert.ok(
        answer && answer.x >= 0 && answer.x + answer.width <= phone.width,
        `the answer sticks out: ${JSON.stringify(answer)}`,
      );
      assert.equal(
        await page.locator('[data-testid="message"][data-role="assistant"]').last().isVisible(),
        true,
      );
      await screenshot(page, 'phone-width');
    },
    phoneContext,
  );

  suite.test(
    'at phone width the chat list is a drawer: the menu opens it; picking a chat, the close button, a tap beside it or New chat closes it',
    async ({ openPage, api, screenshot }) => {
      const first = await api.createSession();
      await api.renameSession(first, 'drawer chat one');
      const second = await api.createSession();
      await api.renameSession(second, 'drawer chat two');
      const page = await openPage('/');
      const menu = page.getByRole('button', { name: 'Show the chat list' });
      const drawerShows = (sessionId: string) =>
        sessionItem(page, sessionId).waitFor({ state: 'visible' });
      const drawerHides = (sessionId: string) =>
        sessionItem(page, sessionId).waitFor({ state: 'hidden' });

      await menu.waitFor({ state: 'visible' });
      await sessionItem(page, first).waitFor({ state: 'attached' });
      assert.equal(await sessionItem(page, first).isVisible(), false, 'the drawer starts closed');

      await menu.click();
      await drawerShows(first);
      // The drawer slides in: measure it once it has arrived.
      await page.waitForFunction(
        () => (document.querySelector('nav.sidebar')?.getBoundingClientRect().left ?? -1) >= 0,
      );
      const drawer = await page.getByRole('navigation', { name: 'Chats' }).boundingBox();
      assert.ok(
        drawer && drawer.x >= 0 && drawer.x + drawer.width < phone.width,
        `the open drawer does not leave room to tap beside it: ${JSON.stringify(drawer)}`,
      );
      await screenshot(page, 'phone-drawer');
      await sessionItem(page, first).click();
      await drawerHides(first);
      assert.equal(sessionIdOf(page), first);
      assert.equal(await page.locator('.main-title').textContent(), 'drawer chat one');

      await menu.click();
      await drawerShows(second);
      await page.getByRole('button', { name: 'Close the chat list' }).click();
      await drawerHides(second);

      await menu.click();
      await drawerShows(second);
      // A tap on the dimmed conversation beside the drawer.
      await page.mouse.click(phone.width - 15, phone.height / 2);
      await drawerHides(second);
      assert.equal(sessionIdOf(page), first, 'the tap beside the drawer opened nothing');

      await menu.click();
      await drawerShows(second);
      await page.getByTestId('new-chat').click();
      await drawerHides(second);
      assert.equal(sessionIdOf(page), null);
      await page.getByTestId('composer-input').waitFor({ state: 'visible' });
    },
    phoneContext,
  );
});
