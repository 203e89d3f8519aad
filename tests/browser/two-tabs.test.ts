import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { assistantMessagesOf, normalizeText, outcomeOf, textOf } from '../support/browser-api.ts';
import {
  renderedMessages,
  sendMessage,
  sessionItem,
  waitForAssistantStatus,
  waitForPartialAnswer,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

const answerWords = 160;
/** Long enough (≈10 s) for an app that polls for turns started elsewhere to notice one. */
const longAnswerWords = 400;

describe('one session in several tabs and devices', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '25' } });

  suite.test(
    'a second tab opened mid-answer attaches to the running turn and ends with the same single answer',
    async ({ openPage, api }) => {
      const first = await openPage('/');
      await sendMessage(first, `Tell both tabs the same story [demo:words=${answerWords}]`);
      const sessionId = await waitForSessionId(first);
      await waitForPartialAnswer(first, 5 + Math.floor(Math.random() * 40));

      const second = await openPage(`/?session=${sessionId}`);
      await waitForPartialAnswer(second, 1);
      await waitForAssistantStatus(first, 'completed');
      await waitForAssistantStatus(second, 'completed');

      const stored = assistantMessagesOf(await api.waitForTurnToEnd(sessionId));
      assert.equal(stored.length, 1);
      const expected = normalizeText(textOf(stored[0] ?? { id: '', role: 'assistant', parts: [] }));
      assert.equal(expected.split(' ').length, answerWords);
      for (const [name, page] of [
        ['first tab', first],
        ['second tab', second],
      ] as const) {
        const rendered = await renderedMessages(page);
        assert.deepEqual(
          rendered.map((message) => message.role),
          ['user', 'assistant'],
          `${name}: ${JSON.stringify(rendered)}`,
        );
        assert.equal(rendered[1]?.text, expected, `${name} shows another answer`);
        assert.equal(rendered[1]?.id, stored[0]?.id, `${name} shows another answer id`);
      }
    },
  );

  suite.test(
    'a turn started on another device shows a running indicator in the sidebar, and streams into the open tab',
    async ({ openPage, api, screenshot }) => {
      const openSession = await api.createSession();
      await api.renameSession(openSession, 'open in the tab');
      const otherSession = await api.createSession();
      await api.renameSession(otherSession, 'busy elsewhere');
      const page = await openPage(`/?session=${openSession}`);
      await sessionItem(page, otherSession).waitFor();
      assert.equal(await sessionItem(page, otherSession).getAttribute('data-active'), 'false');

      const elsewhere = api.startTurn(
        otherSession,
        `Answer on the phone [demo:words=${longAnswerWords}]`,
      );
      assert.equal(await elsewhere.started, 200);
      await page
        .locator(
          `[data-testid="session-item"][data-session-id="${otherSession}"][data-active="true"]`,
        )
        .waitFor({ timeout: 15_000 });
      await screenshot(page, 'sidebar-running-indicator');
      elsewhere.disconnect();
      await api.cancelTurn(otherSession);
      await page
        .locator(
          `[data-testid="session-item"][data-session-id="${otherSession}"][data-active="false"]`,
        )
        .waitFor({ timeout: 30_000 });
      assert.equal((await api.getSession(otherSession)).active_stream, null);

      const intoTheTabMessage = `Answer into the open tab [demo:words=${longAnswerWords}]`;
      const intoTheTab = api.startTurn(openSession, intoTheTabMessage);
      assert.equal(await intoTheTab.started, 200);
      await waitForPartialAnswer(page, 1, 15_000);
      await page.getByTestId('composer-input').fill('typed while the other device is answered');
      assert.equal(
        await page.getByTestId('send').isEnabled(),
        true,
        'Send takes a follow-up mid-turn',
      );
      await page.getByTestId('composer-input').fill('');
      assert.equal(await page.getByTestId('stop').isVisible(), true, 'Stop is hidden mid-turn');
      await page
        .locator(
          `[data-testid="session-item"][data-session-id="${openSession}"][data-active="true"]`,
        )
        .waitFor();
      const read = await intoTheTab.finished;
      assert.equal(read.done, true);
      await waitForAssistantStatus(page, 'completed');
      const stored = assistantMessagesOf(await api.waitForTurnToEnd(openSession));
      const rendered = await renderedMessages(page);
      assert.deepEqual(
        rendered.map((message) => message.role),
        ['user', 'assistant'],
        JSON.stringify(rendered),
      );
      assert.equal(rendered[0]?.text, intoTheTabMessage);
      assert.equal(
        rendered[1]?.text,
        normalizeText(textOf(stored[0] ?? { id: '', role: 'assistant', parts: [] })),
      );
    },
  );

  suite.test(
    'Stop in one tab stops the answer in the other tab too, shown there as a stop with the same text',
    async ({ openPage, api }) => {
      const first = await openPage('/');
      await sendMessage(first, `Stop me from the first tab [demo:words=${longAnswerWords}]`);
      const sessionId = await waitForSessionId(first);
      const second = await openPage(`/?session=${sessionId}`);
      await waitForPartialAnswer(second, 5 + Math.floor(Math.random() * 20));
      await first.getByTestId('stop').click();

      const stored = assistantMessagesOf(await api.waitForTurnToEnd(sessionId));
      assert.equal(stored.length, 1);
      assert.equal(outcomeOf(stored[0]), 'cancelled');
      const expected = normalizeText(textOf(stored[0] ?? { id: '', role: 'assistant', parts: [] }));
      for (const [name, page] of [
        ['the tab that stopped', first],
        ['the other tab', second],
      ] as const) {
        await waitForAssistantStatus(page, 'stopped');
        await page.getByTestId('stopped-notice').waitFor();
        assert.equal(await page.getByTestId('error-notice').count(), 0, `${name} shows an error`);
        const rendered = await renderedMessages(page);
        assert.deepEqual(
          rendered.map((message) => [message.role, message.status]),
          [
            ['user', null],
            ['assistant', 'stopped'],
          ],
          name,
        );
        assert.equal(
          rendered[1]?.text,
          expected,
          `${name} shows another text than the server kept`,
        );
      }
    },
  );
});
