import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { Page } from 'playwright-core';
import type { ProductApi } from '../support/browser-api.ts';
import { browserSuite } from '../support/browser.ts';
import { TestDatabase } from '../support/test-database.ts';

/** Midday on 20 May 2026 in Lisbon (UTC+1 then): the browser's clock and time zone. */
const timezoneId = 'Europe/Lisbon';
const now = new Date('2026-05-20T12:00:00+01:00');
const hoursBefore = (hours: number) => new Date(now.getTime() - hours * 3_600_000);

/** The headings of the chat list with the titles under each, top to bottom. */
function listedGroups(page: Page): Promise<[string, string[]][]> {
  return page
    .getByTestId('session-group')
    .evaluateAll((groups) =>
      groups.map((group) => [
        group.querySelector('h2')?.textContent ?? '',
        Array.from(group.querySelectorAll('[data-testid="session-title"]')).map(
          (title) => title.textContent ?? '',
        ),
      ]),
    );
}

// No route sets when a chat was last active, so the server runs on a PostgreSQL database of its
// own where the test can date the chats it made through the API.
describe('date groups in the chat list', () => {
  const database = new TestDatabase('dc_browser');
  before(() => database.create());
  const suite = browserSuite({ environment: { DATABASE_URL: database.url } });
  after(() => database.drop());

  /** Chats last updated at dates that fall into every group. */
  async function seedDatedChats(api: ProductApi): Promise<void> {
    const dated: [string, Date][] = [
      ['Early this morning', hoursBefore(11.5)], // 00:30 local: 23:30 the day before in UTC
      ['Late last night', hoursBefore(12.5)],
      ['On Monday', hoursBefore(48)],
      ['Two weeks ago', hoursBefore(14 * 24)],
      ['In March', hoursBefore(60 * 24)],
      ['In January', hoursBefore(130 * 24)],
      ['Last summer', hoursBefore(330 * 24)],
    ];
    for (const [title, updatedAt] of dated) {
      const sessionId = await api.createSession();
      await api.renameSession(sessionId, title);
      await database.query('UPDATE sessions SET updated_at = $2 WHERE id = $1', [
        sessionId,
        updatedAt,
      ]);
    }
  }

  suite.test(
    'groups chats by their last update in local time: Today, Yesterday, Previous 7 and 30 days, then months',
    async ({ context, openPage, api, screenshot }) => {
      await seedDatedChats(api);
      await context.clock.setFixedTime(now);
      const page = await openPage('/');
      await page.getByTestId('session-group').first().waitFor();
      assert.deepEqual(await listedGroups(page), [
        ['Today', ['Early this morning']],
        ['Yesterday', ['Late last night']],
        ['Previous 7 days', ['On Monday']],
        ['Previous 30 days', ['Two weeks ago']],
        ['March', ['In March']],
        ['January', ['In January']],
        ['June 2025', ['Last summer']],
      ]);
      await screenshot(page, 'date-groups-desktop-light');
      await page.emulateMedia({ colorScheme: 'dark' });
      await screenshot(page, 'date-groups-desktop-dark');

      // A day later the same chats have moved down a group.
      await context.clock.setFixedTime(new Date(now.getTime() + 24 * 3_600_000));
      await page.reload();
      await page.getByTestId('session-group').first().waitFor();
      assert.deepEqual(
        (await listedGroups(page)).slice(0, 3).map(([label]) => label),
        ['Yesterday', 'Previous 7 days', 'Previous 30 days'],
      );
    },
    { contextOptions: { timezoneId } },
  );

  suite.test(
    'shows the date groups in the phone drawer',
    async ({ context, openPage, api, screenshot }) => {
      // Each test is a browser of its own (its own visitor key), with chats of its own.
      await seedDatedChats(api);
      await context.clock.setFixedTime(now);
      const page = await openPage('/');
      await page.getByRole('button', { name: 'Show the chat list' }).click();
      await page.getByRole('heading', { name: 'Previous 30 days' }).waitFor();
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        await screenshot(page, `date-groups-phone-${colorScheme}`);
      }
    },
    { contextOptions: { timezoneId, viewport: { width: 390, height: 780 } } },
  );
});
