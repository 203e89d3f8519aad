import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import { sessionItem } from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

/** The session ids the sidebar lists, top to bottom. */
async function listedSessionIds(page: Page): Promise<string[]> {
  return page
    .getByTestId('session-item')
    .evaluateAll((items) => items.map((item) => item.getAttribute('data-session-id') ?? ''));
}

describe('the session list in the browser', () => {
  const suite = browserSuite();

  suite.test(
    'lists sessions newest first, renames one inline (Enter saves, Escape cancels) and deletes only after confirmation',
    async ({ openPage, api }) => {
      const created: string[] = [];
      for (const title of ['first chat', 'second chat', 'third chat']) {
        const sessionId = await api.createSession();
        await api.renameSession(sessionId, title);
        created.push(sessionId);
      }
      const [first, second, third] = created as [string, string, string];
      const page = await openPage('/');
      await sessionItem(page, third).waitFor();
      const listed = (await listedSessionIds(page)).filter((id) => created.includes(id));
      assert.deepEqual(listed, [third, second, first]);
      assert.equal(
        await sessionItem(page, second).getByTestId('session-title').textContent(),
        'second chat',
      );

      await sessionItem(page, second).hover();
      await sessionItem(page, second).getByTestId('rename-session').click({ force: true });
      const renameInput = page.getByTestId('rename-input');
      await renameInput.fill('renamed in the browser');
      await renameInput.press('Enter');
      await sessionItem(page, second)
        .getByTestId('session-title')
        .filter({ hasText: 'renamed in the browser' })
        .waitFor();
      await api.waitForTitle(second, 'renamed in the browser');

      await sessionItem(page, first).hover();
      await sessionItem(page, first).getByTestId('rename-session').click({ force: true });
      await page.getByTestId('rename-input').fill('this must not be saved');
      await page.getByTestId('rename-input').press('Escape');
      await page.getByTestId('rename-input').waitFor({ state: 'detached' });
      assert.equal(
        await sessionItem(page, first).getByTestId('session-title').textContent(),
        'first chat',
      );
      assert.equal((await api.getSession(first)).title, 'first chat');

      await sessionItem(page, third).hover();
      await sessionItem(page, third).getByTestId('delete-session').click({ force: true });
      await page.getByTestId('cancel-delete').click();
      await page.getByTestId('confirm-delete').waitFor({ state: 'detached' });
      assert.equal(await sessionItem(page, third).count(), 1, 'cancel deleted the session');
      assert.equal(await api.sessionStatus(third), 200);

      await sessionItem(page, third).hover();
      await sessionItem(page, third).getByTestId('delete-session').click({ force: true });
      await page.getByTestId('confirm-delete').click();
      await sessionItem(page, third).waitFor({ state: 'detached' });
      assert.equal(await api.sessionStatus(third), 404);
      await page.reload();
      await sessionItem(page, second).waitFor();
      assert.equal(
        await sessionItem(page, third).count(),
        0,
        'the deleted session came back after a reload',
      );
    },
  );

  suite.test(
    'pages through more sessions than fit one page, newest first, without duplicates',
    async ({ openPage, api }) => {
      for (let index = 0; index < 120; index += 1) await api.createSession();
      const { sessions, total } = await api.listSessions(100);
      const page = await openPage('/');
      await page.getByTestId('session-item').first().waitFor();
      await page.getByTestId('load-more-sessions').waitFor();
      const firstPage = await listedSessionIds(page);
      assert.ok(firstPage.length < total, `the first page already lists all ${total} sessions`);
      assert.deepEqual(
        firstPage,
        sessions.slice(0, firstPage.length).map((session) => session.id),
      );

      let listed = firstPage;
      while ((await page.getByTestId('load-more-sessions').count()) > 0) {
        const before = listed.length;
        await page.getByTestId('load-more-sessions').click();
        await page.waitForFunction(
          (count) => document.querySelectorAll('[data-testid="session-item"]').length > count,
          before,
        );
        listed = await listedSessionIds(page);
        assert.ok(
          listed.length <= total,
          `more sessions listed (${listed.length}) than exist (${total})`,
        );
      }
      assert.equal(listed.length, total);
      assert.equal(new Set(listed).size, total, 'a session is listed twice');
      assert.deepEqual(
        listed.slice(0, sessions.length),
        sessions.map((session) => session.id),
      );
    },
  );

  suite.test(
    'opening a session puts it in the URL and marks it current; Back returns to the previous one; New chat starts empty',
    async ({ openPage, api }) => {
      const conversations: Record<string, string> = {};
      for (const text of [
        'the message of chat A [demo:words=5]',
        'the message of chat B [demo:words=5]',
      ]) {
        const sessionId = await api.createSession();
        const turn = api.startTurn(sessionId, text);
        assert.equal((await turn.finished).done, true);
        conversations[sessionId] = text;
      }
      const [chatA, chatB] = Object.keys(conversations) as [string, string];
      const page = await openPage('/');
      const showsSession = async (sessionId: string) => {
        await page.waitForURL((url) => url.searchParams.get('session') === sessionId);
        await page
          .locator('[data-testid="message"][data-role="user"]')
          .filter({ hasText: conversations[sessionId] ?? '' })
          .waitFor();
        await page
          .locator(
            `[data-testid="session-item"][data-session-id="${sessionId}"][aria-current="page"]`,
          )
          .waitFor();
        assert.equal(
          await page.locator('[data-testid="session-item"][aria-current="page"]').count(),
          1,
        );
        assert.equal(await page.locator('[data-testid="message"][data-role="user"]').count(), 1);
      };

      await sessionItem(page, chatA).click();
      await showsSession(chatA);
      await sessionItem(page, chatB).click();
      await showsSession(chatB);
      await page.goBack();
      await showsSession(chatA);
      await page.reload();
      await showsSession(chatA);

      await page.getByTestId('new-chat').click();
      await page.getByTestId('empty-state').waitFor();
      assert.equal(await page.getByTestId('message').count(), 0);
      assert.equal(
        await page.locator('[data-testid="session-item"][aria-current="page"]').count(),
        0,
      );
    },
  );
});
