import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import { ProductApi } from '../support/browser-api.ts';
import {
  sendMessage,
  sessionItem,
  waitForAssistantStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';

function storedValues(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.values(localStorage));
}

function mentionsOfSigningIn(text: string): number {
  return (text.match(/token|sign in|signed in|log in/gi) ?? []).length;
}

describe('the web app with auth on', () => {
  const suite = browserSuite({
    environment: { JWT_SECRET: testJwtSecret, DEMO_TOKEN_DELAY_MS: '5' },
  });

  suite.test(
    'a #token= hand-off signs the tab in, leaves the URL and survives a reload',
    async ({ openPage, baseUrl }) => {
      const token = await tokenFor(userA);
      const api = new ProductApi(baseUrl, token);
      const sessionId = await api.createSession();
      await api.renameSession(sessionId, 'a chat of user A');

      const page = await openPage(`/#token=${encodeURIComponent(token)}`);
      await sessionItem(page, sessionId).waitFor();
      assert.equal(page.url(), `${baseUrl}/`, 'the token stays in the URL');
      assert.ok(
        (await storedValues(page)).some((value) => value.includes(token)),
        'the token was not kept in localStorage',
      );

      await page.reload();
      await sessionItem(page, sessionId).waitFor();
      await sendMessage(page, 'Hello as user A [demo:words=8]');
      const newSession = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      assert.equal((await api.getSession(newSession)).messages.length, 2);
      assert.equal(
        await new ProductApi(baseUrl, await tokenFor(userB)).sessionStatus(newSession),
        404,
      );
    },
  );

  suite.test(
    'a ?token= query is ignored and taken out of the address bar',
    async ({ openPage, baseUrl, allowConsoleError }) => {
      allowConsoleError(/401|Unauthorized/i);
      const token = await tokenFor(userA);
      const page = await openPage(`/?token=${encodeURIComponent(token)}`);
      await page.getByTestId('token-input').waitFor();
      await page.waitForURL(`${baseUrl}/`);
      assert.equal(
        (await storedValues(page)).some((value) => value.includes(token)),
        false,
        'a token from the query was stored',
      );
      assert.equal(await page.getByTestId('session-item').count(), 0);
    },
  );

  suite.test(
    'a link with another token asks before switching; declining keeps the signed-in account',
    async ({ openPage, baseUrl, allowConsoleError }) => {
      // The shared chat of B is refused (404) while A is still signed in.
      allowConsoleError(/404|Not Found/i);
      const tokenA = await tokenFor(userA);
      const tokenB = await tokenFor(`${userB}-${crypto.randomUUID()}`);
      const chatOfA = await new ProductApi(baseUrl, tokenA).createSession();
      const chatOfB = await new ProductApi(baseUrl, tokenB).createSession();
      const page = await openPage(`/#token=${encodeURIComponent(tokenA)}`);
      await sessionItem(page, chatOfA).waitFor();

      // A link opened in the same tab changes only the fragment: the running app takes it.
      await page.goto(`${baseUrl}/#token=${encodeURIComponent(tokenB)}`);
      const question = page.getByRole('alertdialog', {
        name: "Switch to the link's access token?",
      });
      await question.waitFor();
      assert.equal(page.url(), `${baseUrl}/`, 'the offered token stays in the URL');
      const keep = page.getByRole('button', { name: 'Keep my current token' });
      assert.equal(await keep.evaluate((button) => button === document.activeElement), true);
      await keep.click();
      await question.waitFor({ state: 'detached' });
      assert.ok((await storedValues(page)).some((value) => value.includes(tokenA)));
      await page.reload();
      await sessionItem(page, chatOfA).waitFor();
      assert.equal(await sessionItem(page, chatOfB).count(), 0);

      // A fresh page load with the link asks too; accepting switches accounts.
      await page.goto(`${baseUrl}/?session=${chatOfB}#token=${encodeURIComponent(tokenB)}`);
      await question.waitFor();
      await page.getByRole('button', { name: 'Use the new token' }).click();
      await sessionItem(page, chatOfB).waitFor();
      assert.equal(await sessionItem(page, chatOfA).count(), 0);
      assert.equal(page.url(), `${baseUrl}/?session=${chatOfB}`);
      assert.ok((await storedValues(page)).some((value) => value.includes(tokenB)));
      assert.equal((await page.context().cookies()).length, 0, 'auth on sets no visitor cookie');
    },
  );

  suite.test(
    'without a token the app asks for one, and the token field signs it in',
    async ({ openPage, baseUrl, allowConsoleError }) => {
      allowConsoleError(/401|Unauthorized/i);
      const token = await tokenFor(userA);
      const api = new ProductApi(baseUrl, token);
      const sessionId = await api.createSession();
      await api.renameSession(sessionId, 'the second chat of user A');

      const page = await openPage('/');
      const tokenInput = page.getByTestId('token-input');
      await tokenInput.waitFor();
      assert.equal(await tokenInput.isVisible(), true, 'the token field is not visible');
      assert.equal(await page.getByTestId('session-item').count(), 0);
      // The app asks for a token: once the refusals are in, it says so, and stops once it has one.
      await page.waitForLoadState('networkidle');
      const textBefore = await page.locator('body').innerText();
      const askedBefore = mentionsOfSigningIn(textBefore);
      assert.ok(askedBefore > 0, `the page never mentions a token: ${textBefore}`);
      await tokenInput.fill(token);
      await page.getByTestId('token-save').click();
      await sessionItem(page, sessionId).waitFor();
      await page.waitForLoadState('networkidle');
      const textAfter = await page.locator('body').innerText();
      assert.ok(
        mentionsOfSigningIn(textAfter) < askedBefore,
        `the app asks for a token as much after signing in as before: "${textBefore}" then "${textAfter}"`,
      );
      await sendMessage(page, 'Signed in through the field [demo:words=8]');
      const newSession = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      assert.equal((await api.getSession(newSession)).messages.length, 2);
    },
  );
});

describe('the web app in anonymous mode', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '5' } });

  suite.test(
    'each browser gets its own visitor key and sees only its own chats',
    async ({ openPage, context, api, baseUrl, allowConsoleError }) => {
      allowConsoleError(/404|Not Found/i);
      const page = await openPage('/');
      await sendMessage(page, 'Only mine [demo:words=4]');
      const mine = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      await sessionItem(page, mine).waitFor();
      const [visitorCookie] = await context.cookies();
      assert.equal(visitorCookie?.name, 'durable_chat_visitor');
      assert.equal(visitorCookie?.httpOnly, true);
      assert.equal(visitorCookie?.sameSite, 'Lax');
      assert.equal(
        await page.evaluate(() => document.cookie.includes('durable_chat_visitor')),
        false,
        'scripts can read the visitor key',
      );
      assert.ok((await api.listSessions()).sessions.some((session) => session.id === mine));

      // Another browser: no cookie, so the page gives it a key of its own. The first browser's
      // page goes first: its chat-list poll would ask without a key in between (a 401).
      await page.close();
      await context.clearCookies();
      const stranger = await openPage('/');
      await stranger.getByTestId('no-chats').waitFor();
      const [strangerCookie] = await context.cookies();
      assert.ok(strangerCookie && strangerCookie.value !== visitorCookie?.value);
      await stranger.goto(`${baseUrl}/?session=${mine}`);
      await stranger.getByRole('heading', { name: 'This chat does not exist' }).waitFor();
      assert.equal(await sessionItem(stranger, mine).count(), 0);
    },
  );

  suite.test(
    "a link from another site opens the visitor's chat and keeps its key",
    async ({ openPage, context, api, baseUrl }) => {
      const sessionId = await api.createSession();
      await api.renameSession(sessionId, 'linked from elsewhere');
      const [before] = await context.cookies(baseUrl);
      // localhost is another site than 127.0.0.1: a click there is a cross-site navigation,
      // which a SameSite=Strict cookie would not come with (and the page would replace it).
      const elsewhere = await openPage('/');
      await elsewhere.goto(baseUrl.replace('127.0.0.1', 'localhost'));
      await elsewhere.evaluate((href) => {
        const link = document.createElement('a');
        link.href = href;
        link.textContent = 'the chat';
        link.id = 'cross-site-link';
        document.body.prepend(link);
      }, `${baseUrl}/?session=${sessionId}`);
      await elsewhere.click('#cross-site-link');
      await elsewhere.waitForURL(`${baseUrl}/?session=${sessionId}`);
      await sessionItem(elsewhere, sessionId).waitFor();
      await elsewhere.getByRole('heading', { level: 1, name: 'linked from elsewhere' }).waitFor();
      const [after] = await context.cookies(baseUrl);
      assert.equal(after?.value, before?.value, 'the visitor key was replaced');
    },
  );
});
