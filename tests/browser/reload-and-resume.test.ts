import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import {
  assistantMessagesOf,
  normalizeText,
  type ProductApi,
  textOf,
  outcomeOf,
} from '../support/browser-api.ts';
import {
  renderedMessages,
  sendMessage,
  sessionItem,
  waitForAssistantStatus,
  waitForPartialAnswer,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

const answerWords = 120;
const message = `Explain how a reload resumes the answer [demo:words=${answerWords}]`;

let expectedAnswer: Promise<string> | undefined;

/** The uninterrupted answer to `message`, computed once per file in a session of its own. */
function uninterruptedAnswer(api: ProductApi): Promise<string> {
  expectedAnswer ??= api.uninterruptedAnswer(message).then(normalizeText);
  return expectedAnswer;
}

/**
 * The page and the server both hold exactly one user message and one completed assistant message
 * whose text is the uninterrupted answer.
 */
async function assertOneCompleteAnswer(
  page: Page,
  api: ProductApi,
  sessionId: string,
  expected: string,
  when: string,
): Promise<void> {
  await waitForAssistantStatus(page, 'completed');
  const rendered = await renderedMessages(page);
  assert.deepEqual(
    rendered.map((shown) => shown.role),
    ['user', 'assistant'],
    `${when}: the page shows ${JSON.stringify(rendered)}`,
  );
  assert.equal(rendered[1]?.text, expected, `${when}: the page shows another answer`);
  const persisted = await api.waitForTurnToEnd(sessionId);
  assert.deepEqual(
    persisted.messages.map((stored) => stored.role),
    ['user', 'assistant'],
    `${when}: the server holds ${persisted.messages.length} messages`,
  );
  const [stored] = assistantMessagesOf(persisted);
  assert.equal(outcomeOf(stored), 'completed', when);
  assert.equal(
    normalizeText(textOf(stored ?? { id: '', role: 'assistant', parts: [] })),
    expected,
    when,
  );
  assert.equal(rendered[1]?.id, stored?.id, `${when}: the page shows another answer id`);
}

describe('reloading, switching and closing the tab mid-answer', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '25' } });

  suite.test(
    'a reload at a random point mid-answer ends with the uninterrupted answer, once, nothing duplicated',
    async ({ openPage, api }) => {
      const expected = await uninterruptedAnswer(api);
      const reloadPoints = [
        0,
        ...Array.from({ length: 3 }, () => 1 + Math.floor(Math.random() * 90)),
      ];
      for (const wordsBeforeReload of reloadPoints) {
        const when = `reloaded after ${wordsBeforeReload} words`;
        const page = await openPage('/');
        await sendMessage(page, message);
        const sessionId = await waitForSessionId(page);
        if (wordsBeforeReload === 0) await api.waitForRunningTurn(sessionId);
        else await waitForPartialAnswer(page, wordsBeforeReload);
        await page.reload();
        assert.equal(
          new URL(page.url()).searchParams.get('session'),
          sessionId,
          'the reload lost the session',
        );
        await assertOneCompleteAnswer(page, api, sessionId, expected, when);
        await page.close();
      }
    },
  );

  suite.test(
    'switching to another session mid-answer and back continues the same answer without duplicates',
    async ({ openPage, api }) => {
      const expected = await uninterruptedAnswer(api);
      const otherSession = await api.createSession();
      await api.renameSession(otherSession, 'the other chat');
      const page = await openPage('/');
      await sendMessage(page, message);
      const sessionId = await waitForSessionId(page);
      await waitForPartialAnswer(page, 10 + Math.floor(Math.random() * 40));
      await sessionItem(page, otherSession).click();
      await page.waitForURL((url) => url.searchParams.get('session') === otherSession);
      await page.getByTestId('empty-state').waitFor();
      await sessionItem(page, sessionId).click();
      await page.waitForURL((url) => url.searchParams.get('session') === sessionId);
      await assertOneCompleteAnswer(page, api, sessionId, expected, 'after switching back');
    },
  );

  suite.test(
    'a turn keeps running while its tab is closed and shows complete when the session is opened again',
    async ({ openPage, api, context }) => {
      const expected = await uninterruptedAnswer(api);
      const page = await openPage('/');
      await sendMessage(page, message);
      const sessionId = await waitForSessionId(page);
      await waitForPartialAnswer(page, 5 + Math.floor(Math.random() * 30));
      await page.close();
      assert.equal(context.pages().length, 0);

      const persisted = await api.waitForTurnToEnd(sessionId);
      const [stored] = assistantMessagesOf(persisted);
      assert.equal(outcomeOf(stored), 'completed', 'the turn did not complete without a tab');

      const returned = await openPage(`/?session=${sessionId}`);
      await assertOneCompleteAnswer(returned, api, sessionId, expected, 'on return');
    },
  );
});
