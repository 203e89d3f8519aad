import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { ProductApi } from '../support/browser-api.ts';
import {
  sendMessage,
  sessionItem,
  waitForAssistantStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';

function mentionsOfSigningIn(text: string): number {
  return (text.match(/token|sign in|signed in|log in/gi) ?? []).length;
}

describe('the web app with auth on', () => {
  const suite = browserSuite({
    environment: { JWT_SECRET: testJwtSecret, DEMO_TOKEN_DELAY_MS: '5' },
  });

  suite.test(
    'a ?token= hand-off signs the tab in, leaves the URL and survives a reload',
    async ({ openPage, baseUrl }) => {
      const token = await tokenFor(userA);
      const api = new ProductApi(baseUrl, token);
      const sessionId = await api.createSession();
      await api.renameSession(sessionId, 'a chat of user A');

      const page = await openPage(`/?token=${encodeURIComponent(token)}`);
      await sessionItem(page, sessionId).waitFor();
      assert.equal(
        new URL(page.url()).searchParams.has('token'),
        false,
        'the token stays in the URL',
      );
      const stored = await page.evaluate(() => Object.values(localStorage));
      assert.ok(
        stored.some((value) => value.includes(token)),
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
