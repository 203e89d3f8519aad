import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { UIMessage } from 'ai';
import type { Page } from 'playwright-core';
import {
  assistantMessagesOf,
  normalizeText,
  outcomeOf,
  type SessionDetail,
} from '../support/browser-api.ts';
import {
  assertNotReloaded,
  lastAssistantMessage,
  markPage,
  renderedMessages,
  sendMessage,
  waitForAssistantStatus,
  waitForChatStatus,
  waitForPartialAnswer,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

/**
 * A `[demo:steps]` step is six delays long (four words and the two halves of its `demo_step`
 * call): at 600 ms the follow-up sent at a step's first word waits about three seconds for the
 * step's end, long enough to reload the page while it waits.
 */
const tokenDelayMs = 600;

/** Where a follow-up shows on the page: waiting, landed in an answer, or as a question. */
async function placesShowing(page: Page, text: string) {
  const waiting = page.getByTestId('pending-follow-up').filter({ hasText: text });
  const landed = page.getByTestId('steering-message').filter({ hasText: text });
  const asQuestion = page
    .locator('[data-testid="message"][data-role="user"]')
    .filter({ hasText: text });
  return {
    waiting: await waiting.count(),
    landed: await landed.count(),
    asQuestion: await asQuestion.count(),
  };
}

/** The follow-up shows exactly once, and where. */
async function assertShownOnce(
  page: Page,
  text: string,
  where: 'waiting' | 'landed' | 'asQuestion',
  when: string,
) {
  const places = await placesShowing(page, text);
  assert.deepEqual(
    places,
    { waiting: 0, landed: 0, asQuestion: 0, [where]: 1 },
    `${when}: "${text}" shows ${JSON.stringify(places)}`,
  );
}

const steeringIdsOf = (message: UIMessage | undefined) =>
  (message?.parts ?? []).flatMap((part) => (part.type === 'steering-message' ? [part.id] : []));

/** A stored message's text parts as the page renders them: one block per part. */
const shownTextOf = (message: UIMessage | undefined) =>
  normalizeText(
    (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join(' '),
  );

const rolesOf = (detail: SessionDetail) => detail.messages.map((message) => message.role);

describe('messages sent while an answer streams, in the browser', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: String(tokenDelayMs) } });

  suite.test(
    'Enter while the answer streams adds the message to it: it waits, lands in the answer with "Noted", and shows once across reloads',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Plan the trip [demo:steps=2]');
      const sessionId = await waitForSessionId(page);
      await waitForPartialAnswer(page, 1);

      const followUp = 'use Paris, Texas';
      const input = page.getByTestId('composer-input');
      await input.fill(followUp);
      await input.press('Enter');
      const waiting = page.getByTestId('pending-follow-up').filter({ hasText: followUp });
      await waiting.waitFor();
      assert.match((await waiting.getByTestId('pending-marker').textContent()) ?? '', /waiting/i);
      assert.equal(await input.inputValue(), '', 'the composer kept the sent text');
      await screenshot(page, 'follow-up-waiting');

      const pending = (await api.getSession(sessionId)).pending_messages;
      assert.deepEqual(
        pending.map(({ parts, mode }) => [parts, mode]),
        [[[{ type: 'text', text: followUp }], 'steer']],
        'the server does not list the follow-up as waiting',
      );
      const followUpId = pending[0]?.id ?? '';
      assert.equal(await waiting.getAttribute('data-message-id'), followUpId);

      await page.reload();
      await page.getByTestId('pending-follow-up').filter({ hasText: followUp }).waitFor();
      await assertShownOnce(page, followUp, 'waiting', 'reloaded while it waits');

      const landed = lastAssistantMessage(page)
        .getByTestId('steering-message')
        .filter({ hasText: followUp });
      await landed.waitFor();
      assert.equal(await landed.getAttribute('data-message-id'), followUpId);
      await lastAssistantMessage(page)
        .getByTestId('message-text')
        .filter({ hasText: `Noted: ${followUp}.` })
        .waitFor();
      await assertShownOnce(page, followUp, 'landed', 'once it landed');
      await screenshot(page, 'follow-up-landed');

      await page.reload();
      await landed.waitFor();
      await assertShownOnce(page, followUp, 'landed', 'reloaded after it landed');

      await waitForAssistantStatus(page, 'completed');
      const persisted = await api.waitForTurnToEnd(sessionId);
      assert.deepEqual(rolesOf(persisted), ['user', 'assistant']);
      assert.deepEqual(persisted.pending_messages, []);
      const answer = assistantMessagesOf(persisted)[0];
      assert.equal(outcomeOf(answer), 'completed');
      assert.deepEqual(steeringIdsOf(answer), [followUpId]);
      const answerText = shownTextOf(answer);
      assert.equal(answerText, `Step 1 of 2. Noted: ${followUp}. Step 2 of 2. Done.`);
      const rendered = await renderedMessages(page);
      assert.deepEqual(
        rendered.map((message) => [message.role, message.text]),
        [
          ['user', 'Plan the trip [demo:steps=2]'],
          ['assistant', answerText],
        ],
      );
      await assertShownOnce(page, followUp, 'landed', 'after the answer');
    },
  );

  suite.test(
    'Ctrl+Enter and "Interrupt & send" stop the answer, keep its partial text, and answer the new message',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      await sendMessage(page, 'Plan the long trip [demo:steps=3]');
      const sessionId = await waitForSessionId(page);
      await waitForPartialAnswer(page, 1);

      const byShortcut = 'Forget that, answer this [demo:words=4]';
      const input = page.getByTestId('composer-input');
      await input.fill(byShortcut);
      await input.press('Control+Enter');
      await waitForAssistantStatus(page, 'stopped');
      await page
        .locator('[data-testid="message"][data-role="user"]')
        .filter({ hasText: byShortcut })
        .waitFor();
      await waitForAssistantStatus(page, 'completed');
      await assertShownOnce(page, byShortcut, 'asQuestion', 'after Ctrl+Enter');

      await sendMessage(page, 'Plan another trip [demo:steps=3]');
      await page
        .locator('[data-testid="message"][data-role="user"]')
        .filter({ hasText: 'Plan another trip' })
        .waitFor();
      await waitForPartialAnswer(page, 1);
      const byButton = 'No, answer this [demo:words=3]';
      await input.fill(byButton);
      await page.getByTestId('interrupt-and-send').click();
      await page
        .locator('[data-testid="message"][data-role="user"]')
        .filter({ hasText: byButton })
        .waitFor();
      await waitForAssistantStatus(page, 'completed');
      await waitForChatStatus(page, 'ready');

      const persisted = await api.waitForTurnToEnd(sessionId);
      assert.deepEqual(rolesOf(persisted), [
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
        'assistant',
        'user',
        'assistant',
      ]);
      const answers = assistantMessagesOf(persisted);
      assert.deepEqual(answers.map(outcomeOf), [
        'cancelled',
        'completed',
        'cancelled',
        'completed',
      ]);
      for (const stopped of [answers[0], answers[2]]) {
        const partial = shownTextOf(stopped);
        assert.match(partial, /^Step\b/, `the stopped answer kept no partial text: "${partial}"`);
        assert.doesNotMatch(partial, /Done\./, 'the interrupted answer ran to its end');
      }
      assert.equal(shownTextOf(answers[1]).split(' ').length, 4);
      const rendered = await renderedMessages(page);
      assert.deepEqual(
        rendered.map((message) => [message.role, message.status, message.text]),
        persisted.messages.map((message, index) => [
          message.role,
          message.role === 'user' ? null : index % 4 === 1 ? 'stopped' : 'completed',
          shownTextOf(message),
        ]),
        'the page does not show what the server holds',
      );
    },
  );

  suite.test(
    'a follow-up the answer ends without (Stop pressed after sending it) starts the next answer, which the page follows without a reload',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      await markPage(page);
      await sendMessage(page, 'Plan the trip, then stop [demo:steps=3]');
      const sessionId = await waitForSessionId(page);
      await waitForPartialAnswer(page, 1);

      const followUp = 'Then a short one [demo:words=5]';
      const input = page.getByTestId('composer-input');
      await input.fill(followUp);
      await input.press('Enter');
      await page.getByTestId('pending-follow-up').filter({ hasText: followUp }).waitFor();
      await page.getByTestId('stop').click();

      await page
        .locator('[data-testid="message"][data-role="assistant"][data-status="stopped"]')
        .waitFor();
      const asQuestion = page
        .locator('[data-testid="message"][data-role="user"]')
        .filter({ hasText: followUp });
      await asQuestion.waitFor();
      // The next answer is five words: on a loaded machine it may be complete before the page
      // attaches, so what counts is that it arrives without a reload, not that it is seen mid-way.
      await waitForAssistantStatus(page, 'completed');
      await waitForChatStatus(page, 'ready');
      await assertShownOnce(page, followUp, 'asQuestion', 'after the next answer');
      await assertNotReloaded(page);

      const persisted = await api.waitForTurnToEnd(sessionId);
      assert.deepEqual(rolesOf(persisted), ['user', 'assistant', 'user', 'assistant']);
      assert.deepEqual(persisted.pending_messages, []);
      const answers = assistantMessagesOf(persisted);
      assert.deepEqual(answers.map(outcomeOf), ['cancelled', 'completed']);
      assert.deepEqual(steeringIdsOf(answers[0]), [], 'the stopped answer took the follow-up');
      assert.equal(await asQuestion.getAttribute('data-message-id'), persisted.messages[2]?.id);
      const rendered = await renderedMessages(page);
      assert.deepEqual(
        rendered.map((message) => [message.role, message.status, message.text]),
        persisted.messages.map((message, index) => [
          message.role,
          message.role === 'user' ? null : index === 1 ? 'stopped' : 'completed',
          shownTextOf(message),
        ]),
        'the page does not show what the server holds',
      );
    },
  );
});
