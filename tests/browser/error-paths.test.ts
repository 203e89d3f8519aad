import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Route } from 'playwright-core';
import { assistantMessagesOf, normalizeText, outcomeOf, textOf } from '../support/browser-api.ts';
import {
  lastAssistantMessage,
  renderedMessages,
  sendMessage,
  waitForAssistantStatus,
  waitForChatStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

const emptyMessage = { id: '', role: 'assistant' as const, parts: [] };

describe('errors in the browser', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '25' } });

  suite.test(
    'a turn that fails before answering shows the masked error, also after a reload',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, 'This one cannot be answered [demo:fatal]');
      const sessionId = await waitForSessionId(page);
      const notice = page.getByTestId('error-notice');
      await notice.waitFor();
      await waitForChatStatus(page, 'error');
      const stored = assistantMessagesOf(await api.waitForTurnToEnd(sessionId));
      assert.equal(stored.length, 1);
      assert.equal(outcomeOf(stored[0]), 'failed');
      const errorText = stored[0]?.metadata?.errorText ?? '';
      assert.ok(errorText.length > 0, 'the server persisted no error text');
      const shown = normalizeText((await notice.textContent()) ?? '');
      assert.ok(shown.includes(errorText), `the notice says "${shown}", the server "${errorText}"`);
      assert.doesNotMatch(shown, /sk-demo-secret/, 'the provider error leaked to the user');
      assert.equal(await page.getByTestId('stopped-notice').count(), 0);
      await screenshot(page, 'error');

      await page.reload();
      await page.getByTestId('error-notice').waitFor();
      assert.ok(
        normalizeText((await page.getByTestId('error-notice').textContent()) ?? '').includes(
          errorText,
        ),
      );
      assert.equal(await page.getByTestId('stopped-notice').count(), 0);
    },
  );

  suite.test(
    'a turn that breaks mid-answer keeps the partial text, shows the error and is failed on the server',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Start, then break [demo:transient] [demo:words=60]');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'failed');
      await page.getByTestId('error-notice').waitFor();
      const stored = assistantMessagesOf(await api.waitForTurnToEnd(sessionId));
      assert.equal(stored.length, 1);
      assert.equal(outcomeOf(stored[0]), 'failed');
      const partial = normalizeText(textOf(stored[0] ?? emptyMessage));
      assert.ok(partial.split(' ').length >= 5, `too little text before the break: "${partial}"`);
      assert.ok(partial.split(' ').length < 60, 'the answer did not break');
      const shown = await renderedMessages(page);
      assert.deepEqual(
        shown.map((message) => message.role),
        ['user', 'assistant'],
      );
      assert.equal(shown[1]?.text, partial);
      assert.equal(
        (await lastAssistantMessage(page).getByTestId('message-text').count()) > 0,
        true,
      );

      await page.reload();
      await waitForAssistantStatus(page, 'failed');
      await page.getByTestId('error-notice').waitFor();
      assert.equal((await renderedMessages(page))[1]?.text, partial);
    },
  );

  suite.test(
    'a message sent while a turn started elsewhere runs joins that answer as a follow-up: the page attaches to it and shows the message land once',
    async ({ openPage, api }) => {
      const sessionId = await api.createSession();
      await api.renameSession(sessionId, 'busy on another device');
      const page = await openPage(`/?session=${sessionId}`);
      await page.getByTestId('empty-state').waitFor();
      const followUp = 'Sent from a tab that has not noticed yet';
      await page.getByTestId('composer-input').fill(followUp);

      // Hold the tab's reads of the session so it cannot learn about the other turn before it sends.
      const held: Route[] = [];
      let holding = true;
      await page.route('**/api/chat/sessions**', async (route) => {
        if (holding && route.request().method() === 'GET') held.push(route);
        else await route.fallback();
      });
      // Ten steps, so the answer is still running when the message arrives, and takes it in.
      const otherMessage = 'Started on another device [demo:steps=10]';
      const elsewhere = api.startTurn(sessionId, otherMessage);
      assert.equal(await elsewhere.started, 200);
      const sent = page.waitForResponse(
        (response) => response.request().method() === 'POST' && response.url().endsWith('/stream'),
      );
      await page.getByTestId('send').click();
      const response = await sent;
      assert.equal(response.status(), 200);
      assert.equal(response.headers()['x-durable-chat-multitask'], 'steered');
      holding = false;
      for (const route of held.splice(0)) await route.fallback();
      await page.unroute('**/api/chat/sessions**');

      const landed = lastAssistantMessage(page)
        .getByTestId('steering-message')
        .filter({ hasText: followUp });
      await landed.waitFor();
      // Still streaming: the page shows the message once, inside the answer it joined, and the
      // question that answer replies to before it.
      const whileStreaming = await renderedMessages(page);
      assert.deepEqual(
        whileStreaming.map((message) => [message.role, message.role === 'user' && message.text]),
        [
          ['user', otherMessage],
          ['assistant', false],
        ],
        `while the answer streams the tab shows ${JSON.stringify(whileStreaming)}`,
      );
      assert.equal(await lastAssistantMessage(page).getAttribute('data-status'), 'streaming');
      await waitForAssistantStatus(page, 'completed');
      assert.equal((await elsewhere.finished).done, true);
      assert.equal(await page.getByTestId('conflict-notice').count(), 0);
      assert.equal(await page.getByTestId('pending-follow-up').count(), 0);

      const persisted = await api.waitForTurnToEnd(sessionId);
      assert.deepEqual(
        persisted.messages.map((message) => message.role),
        ['user', 'assistant'],
      );
      const answer = assistantMessagesOf(persisted)[0] ?? emptyMessage;
      const steeringIds = answer.parts.flatMap((part) =>
        part.type === 'steering-message' ? [part.id] : [],
      );
      assert.equal(steeringIds.length, 1, 'the answer did not take the message in once');
      assert.equal(await landed.getAttribute('data-message-id'), steeringIds[0]);
      const rendered = await renderedMessages(page);
      assert.deepEqual(
        rendered.map((message) => [message.role, message.text]),
        [
          ['user', otherMessage],
          [
            'assistant',
            normalizeText(
              answer.parts.map((part) => (part.type === 'text' ? part.text : '')).join(' '),
            ),
          ],
        ],
        'the tab does not show what the server holds',
      );
      assert.equal(
        await page.getByTestId('steering-message').filter({ hasText: followUp }).count(),
        1,
        'the message shows more than once',
      );
    },
  );
});
