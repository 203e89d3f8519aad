import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import type { ProductApi } from '../support/browser-api.ts';
import { sessionItem } from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

const phone = { viewport: { width: 390, height: 780 } };

/** Creates a session with this title; later ones list above it. */
async function titledSession(api: ProductApi, title: string): Promise<string> {
  const sessionId = await api.createSession();
  await api.renameSession(sessionId, title);
  return sessionId;
}

/** Sessions enough to push everything created before them off the list's first page. */
async function pushOffFirstPage(api: ProductApi): Promise<void> {
  for (let index = 0; index < 32; index += 1) await titledSession(api, `filler chat ${index}`);
}

/** What has focus: its test id, role-ish tag and text, to read in assertion messages. */
function describeFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return 'body';
    const testId = element.getAttribute('data-testid');
    const label = element.getAttribute('aria-label') ?? element.textContent?.trim().slice(0, 40);
    return `${element.tagName.toLowerCase()}${testId ? `[${testId}]` : ''} ${label ?? ''}`.trim();
  });
}

function focusIsInside(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((inside) => document.activeElement?.closest(inside) !== null, selector);
}

describe('the sidebar in the browser', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '5' } });

  suite.test(
    "a chat opened from the list's second page keeps its own title after a reload",
    async ({ openPage, api }) => {
      const farId = await titledSession(api, 'Far down the list');
      await pushOffFirstPage(api);
      const page = await openPage('/');
      await page.getByTestId('load-more-sessions').click();
      await sessionItem(page, farId).click();
      await page.waitForURL((url) => url.searchParams.get('session') === farId);
      await page.locator('h1', { hasText: 'Far down the list' }).waitFor();

      await page.reload();
      await page.getByTestId('session-item').first().waitFor();
      assert.equal(await sessionItem(page, farId).count(), 0, 'the chat is on the first page');
      await page.locator('h1', { hasText: 'Far down the list' }).waitFor();
      assert.equal(await page.title(), 'Far down the list · durable-chat');
    },
  );

  suite.test(
    'the delete dialog keeps focus inside, Escape cancels and focus returns; Delete goes to the next chat',
    async ({ openPage, api, screenshot }) => {
      const keptId = await titledSession(api, 'The chat that stays');
      const doomedId = await titledSession(api, 'The chat to delete');
      const page = await openPage('/');
      const doomedLink = sessionItem(page, doomedId).locator('.session-link');
      await doomedLink.focus();
      await page.keyboard.press('Delete');
      const dialog = page.getByRole('alertdialog', { name: 'Delete this chat?' });
      await dialog.waitFor();
      assert.equal(await describeFocus(page), 'button[cancel-delete] Cancel');
      for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Tab']) {
        await page.keyboard.press(key);
        assert.ok(
          await focusIsInside(page, '[role="alertdialog"]'),
          `${key} left the dialog for ${await describeFocus(page)}`,
        );
      }
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await doomedLink.evaluate((link) => link === document.activeElement), true);

      // Opened by mouse, focus returns to the button that opened it.
      await sessionItem(page, doomedId).hover();
      await sessionItem(page, doomedId).getByTestId('delete-session').click();
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await describeFocus(page), 'button[delete-session] Delete The chat to delete');

      await doomedLink.focus();
      await page.keyboard.press('Delete');
      await dialog.waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await describeFocus(page), 'button[confirm-delete] Delete');
      await page.keyboard.press('Enter');
      await sessionItem(page, doomedId).waitFor({ state: 'detached' });
      assert.equal(await api.sessionStatus(doomedId), 404);
      assert.equal(
        await sessionItem(page, keptId)
          .locator('.session-link')
          .evaluate((link) => link === document.activeElement),
        true,
        `focus went to ${await describeFocus(page)}, not to the next chat`,
      );
      assert.equal(await api.sessionStatus(keptId), 200);

      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await sessionItem(page, keptId).locator('.session-link').focus();
        await page.keyboard.press('Delete');
        await dialog.waitFor();
        await screenshot(page, `delete-dialog-desktop-${colorScheme}`);
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
      }
    },
  );

  suite.test(
    'the delete dialog is whole and keeps focus on a phone, over the open drawer',
    async ({ openPage, api, screenshot }) => {
      const sessionId = await titledSession(api, 'A chat on the phone');
      const page = await openPage('/');
      await page.getByRole('button', { name: 'Show the chat list' }).click();
      await sessionItem(page, sessionId).getByTestId('delete-session').click();
      const dialog = page.getByRole('alertdialog', { name: 'Delete this chat?' });
      await dialog.waitFor();
      const box = await dialog.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `dialog at ${JSON.stringify(box)}`);
      for (let index = 0; index < 4; index += 1) {
        await page.keyboard.press('Tab');
        assert.ok(await focusIsInside(page, '[role="alertdialog"]'));
      }
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await screenshot(page, `delete-dialog-phone-${colorScheme}`);
      }
      await page.getByTestId('cancel-delete').click();
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await api.sessionStatus(sessionId), 200);
    },
    { contextOptions: phone },
  );

  suite.test(
    'a skip link comes first, and the chat list is one Tab stop however many chats it holds',
    async ({ openPage, api, screenshot }) => {
      const ids: string[] = [];
      for (const title of ['keyboard one', 'keyboard two', 'keyboard three', 'keyboard four']) {
        ids.push(await titledSession(api, title));
      }
      const page = await openPage('/');
      await page.getByTestId('session-item').first().waitFor();
      // The page opens with the message box focused; walking back from it to the top of the
      // page passes every Tab stop in reverse.
      assert.equal(await describeFocus(page), 'textarea[composer-input] Message');
      const stops: string[] = [];
      for (let index = 0; index < 20; index += 1) {
        await page.keyboard.press('Shift+Tab');
        const stop = await describeFocus(page);
        if (stop === 'body') break;
        stops.unshift(stop);
      }
      assert.equal(stops[0], 'a Skip to message box', `the Tab stops: ${stops.join(' → ')}`);
      const chatStops = stops.filter((stop) => stop.startsWith('a keyboard'));
      assert.deepEqual(chatStops, ['a keyboard four'], `the Tab stops: ${stops.join(' → ')}`);
      assert.equal(stops.filter((stop) => stop.startsWith('a')).length, 2);
      assert.ok(
        stops.indexOf('input[session-search] Search chats') < stops.indexOf('a keyboard four'),
        `search does not come before the chats: ${stops.join(' → ')}`,
      );

      const skipLink = page.getByRole('link', { name: 'Skip to message box' });
      await skipLink.focus();
      const box = await skipLink.boundingBox();
      assert.ok(box && box.y >= 0, 'the focused skip link is not on screen');
      await screenshot(page, 'skip-link-focused');
      await page.keyboard.press('Enter');
      assert.equal(await describeFocus(page), 'textarea[composer-input] Message');

      // The arrow keys walk the list; Tab leaves it and Shift+Tab comes back to the same chat.
      await sessionItem(page, ids[3] ?? '')
        .locator('.session-link')
        .focus();
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      assert.equal(await describeFocus(page), 'a keyboard two');
      await page.keyboard.press('ArrowRight');
      assert.equal(await describeFocus(page), 'button[rename-session] Rename keyboard two');
      await page.keyboard.press('ArrowLeft');
      await page.keyboard.press('Tab');
      assert.equal(await focusIsInside(page, '[data-testid="session-list"]'), false);
      await page.keyboard.press('Shift+Tab');
      assert.equal(await describeFocus(page), 'a keyboard two');

      await page.keyboard.press('F2');
      await page.keyboard.press('End');
      await page.keyboard.type(' (renamed)');
      await page.keyboard.press('Enter');
      await api.waitForTitle(ids[1] ?? '', 'keyboard two (renamed)');
      assert.equal(await describeFocus(page), 'a keyboard two (renamed)');
    },
  );

  suite.test(
    'search finds a chat beyond the first page by its title or by words in its messages',
    async ({ openPage, api, screenshot }) => {
      const byMessage = await api.createSession();
      const turn = api.startTurn(byMessage, 'my grandmother bakes marmalade tarts [demo:words=4]');
      assert.equal((await turn.finished).done, true);
      await api.renameSession(byMessage, 'Family recipes');
      const byTitle = await titledSession(api, 'Quarterly Budget review');
      await pushOffFirstPage(api);

      const page = await openPage('/');
      await page.getByTestId('load-more-sessions').waitFor();
      assert.equal(await sessionItem(page, byMessage).count(), 0);
      const search = page.getByRole('searchbox', { name: 'Search chats' });
      await search.fill('MARMALADE');
      await sessionItem(page, byMessage).waitFor();
      await page.waitForFunction(
        () => document.querySelectorAll('[data-testid="session-item"]').length === 1,
      );
      assert.equal(await page.getByRole('status').filter({ hasText: 'match' }).count(), 1);
      await screenshot(page, 'search-by-message');

      await search.fill('budget REVIEW');
      await sessionItem(page, byTitle).waitFor();
      await sessionItem(page, byMessage).waitFor({ state: 'detached' });
      await sessionItem(page, byTitle).click();
      await page.locator('h1', { hasText: 'Quarterly Budget review' }).waitFor();

      await search.fill('no chat says this 100%');
      await page.getByTestId('no-chats').filter({ hasText: 'No chats match' }).waitFor();
      assert.equal(await page.getByTestId('session-item').count(), 0);

      await search.press('Escape');
      await page.getByTestId('load-more-sessions').waitFor();
      assert.equal(await page.getByTestId('session-item').count(), 30);
    },
  );

  suite.test(
    'the answering dot is named and has at least 3:1 contrast on every row background, light and dark',
    async ({ openPage, api, screenshot }) => {
      const running = await titledSession(api, 'Answering right now');
      const other = await titledSession(api, 'Another chat');
      api.startTurn(running, 'take your time [demo:slow]');
      await api.waitForRunningTurn(running);
      const page = await openPage('/');
      const item = sessionItem(page, running);
      await item.locator('[data-testid="running-dot"]').waitFor();
      assert.equal(
        await page.getByRole('link', { name: 'Answering right now answering now' }).count(),
        1,
      );

      const contrast = () =>
        item.locator('[data-testid="running-dot"]').evaluate((dot) => {
          const rgb = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
          const luminance = ([red = 0, green = 0, blue = 0]: number[]) => {
            const linear = (channel: number) => {
              const value = channel / 255;
              return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
            };
            return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue);
          };
          let behind: Element | null = dot.parentElement;
          let background = 'rgba(0, 0, 0, 0)';
          while (behind) {
            background = getComputedStyle(behind).backgroundColor;
            if (!/rgba\(.*, 0\)$/.test(background) && background !== 'transparent') break;
            behind = behind.parentElement;
          }
          const style = getComputedStyle(dot);
          const [lighter, darker] = [
            luminance(rgb(style.backgroundColor)),
            luminance(rgb(background)),
          ].sort((a, b) => b - a);
          return {
            ratio: ((lighter ?? 0) + 0.05) / ((darker ?? 0) + 0.05),
            opacity: Number(style.opacity),
          };
        });

      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await sessionItem(page, other).click();
        await page.mouse.move(0, 0);
        const states: Record<string, { ratio: number; opacity: number }> = {};
        states.resting = await contrast();
        await item.hover();
        states.hovered = await contrast();
        await item.click();
        await page.mouse.move(0, 0);
        states.open = await contrast();
        await screenshot(page, `answering-dot-${colorScheme}`);
        for (const [state, measured] of Object.entries(states)) {
          assert.ok(
            measured.ratio >= 3 && measured.opacity === 1,
            `${colorScheme}, ${state}: contrast ${measured.ratio.toFixed(2)}:1 at opacity ${measured.opacity}`,
          );
        }
      }
      await api.cancelTurn(running);
    },
  );

  suite.test('without auth on the server there is no token field', async ({ openPage }) => {
    const page = await openPage('/');
    await page.waitForLoadState('networkidle');
    await page.getByTestId('new-chat').waitFor();
    assert.equal(await page.getByTestId('token-input').count(), 0);
    assert.equal(await page.getByText(/access token/i).count(), 0);
  });
});
