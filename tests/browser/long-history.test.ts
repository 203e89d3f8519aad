import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import { normalizeText, textOf } from '../support/browser-api.ts';
import {
  renderedMessages,
  sendMessage,
  waitForAssistantStatus,
  waitForPartialAnswer,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';
import { type SeededSession, seedLongSessions } from '../support/long-history.ts';

/** Messages the web app reads at a time (`historyPageSize` in web/src/conversation). */
const pageSize = 30;

/** Where the conversation is scrolled, and where a message sits in it. */
async function scrollerState(page: Page) {
  return page.locator('.message-scroller').evaluate((scroller) => ({
    scrollTop: scroller.scrollTop,
    fromBottom: scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight,
  }));
}

/** How far below the conversation's top edge the message is drawn. */
async function offsetOf(page: Page, messageId: string): Promise<number> {
  return page.locator('.message-scroller').evaluate((scroller, id) => {
    const message = scroller.querySelector(`[data-message-id="${id}"]`);
    if (!message) throw new Error(`message ${id} is not on the page`);
    return message.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
  }, messageId);
}

async function renderedIds(page: Page): Promise<string[]> {
  return (await renderedMessages(page)).map((message) => message.id ?? '');
}

async function waitForMoreThan(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (minimum) => document.querySelectorAll('[data-testid="message"]').length > minimum,
    count,
  );
}

describe('long chats load page by page', () => {
  let long: SeededSession;
  let streamedInto: SeededSession;
  let resumedIn: SeededSession;
  const suite = browserSuite({
    environment: { DEMO_TOKEN_DELAY_MS: '30' },
    prepareDataDir: async (dataDir) => {
      [long, resumedIn, streamedInto] = (await seedLongSessions(dataDir, [2000, 2000, 80])) as [
        SeededSession,
        SeededSession,
        SeededSession,
      ];
    },
  });

  suite.test(
    'opens a 2,000-message chat on its newest page with one request, scrolled to the end',
    async ({ openPage, context, screenshot }) => {
      const historyReads: string[] = [];
      context.on('request', (request) => {
        const url = new URL(request.url());
        if (request.method() === 'GET' && url.pathname === `/api/chat/sessions/${long.id}`) {
          historyReads.push(url.search);
        }
      });
      const page = await openPage(`/?session=${long.id}`);
      const newest = long.messageIds.at(-1) ?? '';
      await page.locator(`[data-message-id="${newest}"]`).waitFor();
      // A second page would have been asked for in the same layout pass that drew the first.
      await page.getByRole('button', { name: 'Load earlier messages' }).waitFor();
      assert.deepEqual(historyReads, [`?limit=${pageSize}`]);
      assert.deepEqual(await renderedIds(page), long.messageIds.slice(-pageSize));
      assert.ok((await scrollerState(page)).fromBottom < 2, 'opens at the latest message');
      assert.equal(await page.getByTestId('scroll-to-bottom').count(), 0);
      await screenshot(page, 'long-chat-newest-page');
    },
  );

  suite.test(
    'scrolling up loads the older messages in front and keeps the message in view where it was',
    async ({ openPage }) => {
      const page = await openPage(`/?session=${long.id}`);
      await page.locator(`[data-message-id="${long.messageIds.at(-1)}"]`).waitFor();
      for (let round = 1; round <= 2; round += 1) {
        const shown = (await renderedIds(page)).length;
        // Read in the same task as the scroll: the older page cannot have arrived yet.
        const anchor = await page.locator('.message-scroller').evaluate((scroller) => {
          scroller.scrollTop = 0;
          const first = scroller.querySelector('[data-message-id]');
          if (!first) throw new Error('no message on the page');
          return {
            id: first.getAttribute('data-message-id') ?? '',
            offset: first.getBoundingClientRect().top - scroller.getBoundingClientRect().top,
          };
        });
        await waitForMoreThan(page, shown);
        const ids = await renderedIds(page);
        assert.deepEqual(ids, long.messageIds.slice(-ids.length), `round ${round}: in order`);
        assert.ok(ids.length >= shown + pageSize, `round ${round}: a page came in front`);
        const offset = await offsetOf(page, anchor.id);
        assert.ok(
          Math.abs(offset - anchor.offset) <= 1,
          `round ${round}: ${anchor.id} moved from ${anchor.offset} to ${offset} px`,
        );
        assert.ok((await scrollerState(page)).scrollTop > 0, 'the older page is above the view');
      }
      await page.getByTestId('scroll-to-bottom').click();
      await page.getByTestId('scroll-to-bottom').waitFor({ state: 'detached' });
      assert.ok((await scrollerState(page)).fromBottom < 2);
    },
  );

  suite.test(
    'the scroll-to-bottom button appears when the reader scrolls up mid-answer and follows the stream again',
    async ({ openPage, screenshot }) => {
      const page = await openPage(`/?session=${streamedInto.id}`);
      await page.locator(`[data-message-id="${streamedInto.messageIds.at(-1)}"]`).waitFor();
      assert.equal(await page.getByTestId('scroll-to-bottom').count(), 0);
      await sendMessage(page, 'Tell me more [demo:words=400]');
      await waitForPartialAnswer(page, 10);
      await page.locator('.message-scroller').evaluate((scroller) => {
        scroller.scrollTop = Math.max(0, scroller.scrollTop - 900);
      });
      await page.getByTestId('scroll-to-bottom').waitFor();
      await waitForPartialAnswer(page, 40);
      assert.ok((await scrollerState(page)).fromBottom > 200, 'the view stays where I scrolled');
      await screenshot(page, 'scroll-to-bottom-button');

      await page.getByTestId('scroll-to-bottom').click();
      await page.getByTestId('scroll-to-bottom').waitFor({ state: 'detached' });
      const words = (await waitForPartialAnswer(page, 60)).split(' ').length;
      await waitForPartialAnswer(page, words + 30);
      assert.ok((await scrollerState(page)).fromBottom < 80, 'the view follows the answer again');
      await waitForAssistantStatus(page, 'completed');
    },
  );

  suite.test(
    'a turn running in a long chat resumes on its newest page while older pages load in front',
    async ({ openPage, api }) => {
      const turn = api.startTurn(resumedIn.id, 'Keep going [demo:words=400]');
      assert.equal(await turn.started, 200);
      const page = await openPage(`/?session=${resumedIn.id}`);
      await waitForPartialAnswer(page, 5);
      assert.ok((await renderedIds(page)).length <= pageSize + 2, 'one page and the running turn');
      await page.locator('.message-scroller').evaluate((scroller) => {
        scroller.scrollTop = 0;
      });
      await waitForMoreThan(page, pageSize + 2);
      await waitForAssistantStatus(page, 'completed');
      await turn.finished;

      const stored = (await api.getSession(resumedIn.id)).messages;
      const shown = await renderedMessages(page);
      assert.deepEqual(
        shown.map((message) => message.id),
        stored.slice(-shown.length).map((message) => message.id),
        'the page shows the end of the stored history, each message once',
      );
      const answer = stored.at(-1);
      assert.equal(answer?.role, 'assistant');
      assert.equal(shown.at(-1)?.text, normalizeText(textOf(answer!)));
      assert.ok((await scrollerState(page)).scrollTop > 0, 'the view kept its place');
    },
  );
});
