import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { isToolUIPart, type UIMessage } from 'ai';
import type { Page } from 'playwright-core';
import { normalizeText, type ProductApi, textOf } from '../support/browser-api.ts';
import {
  lastAssistantMessage,
  renderedMessages,
  sendMessage,
  waitForChatStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';

const toolStateOf = (message: UIMessage | undefined) => message?.parts.find(isToolUIPart)?.state;

/** Asks for the demo action and waits until its call waits for the buttons. */
async function askForApproval(page: Page, action: string): Promise<string> {
  await sendMessage(page, `${action} [demo:approval]`);
  const sessionId = await waitForSessionId(page);
  await lastAssistantMessage(page).getByTestId('tool-approval').waitFor({ timeout: 30_000 });
  const call = lastAssistantMessage(page).getByTestId('tool-call');
  assert.equal(await call.getAttribute('data-state'), 'awaiting');
  return sessionId;
}

/** The page shows one answer, the one the server stored, with `text` after the tool call. */
async function assertContinued(page: Page, api: ProductApi, sessionId: string, text: RegExp) {
  await lastAssistantMessage(page)
    .getByTestId('message-text')
    .filter({ hasText: text })
    .waitFor({ timeout: 30_000 });
  await waitForChatStatus(page, 'ready');
  const stored = (await api.waitForTurnToEnd(sessionId)).messages;
  const shown = (await renderedMessages(page)).map(({ role, id, text: shownText }) => ({
    role,
    id,
    text: shownText,
  }));
  assert.deepEqual(
    shown,
    stored.map((message) => ({
      role: message.role,
      id: message.id,
      text: normalizeText(textOf(message)),
    })),
  );
  assert.equal(stored.length, 2, 'the same answer continued: no second assistant message');
  assert.equal(await page.getByTestId('tool-approval').count(), 0);
  return stored[1];
}

describe('tool approvals in the browser', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '10' } });

  suite.test(
    'Approve runs the tool: its result and the continuation show',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      const sessionId = await askForApproval(page, 'water the plants');
      await lastAssistantMessage(page).getByTestId('approve-tool').click();
      const answer = await assertContinued(page, api, sessionId, /Done: water the plants\./);
      assert.equal(toolStateOf(answer), 'output-available');
      const call = lastAssistantMessage(page).getByTestId('tool-call');
      assert.equal(await call.getAttribute('data-state'), 'done');
    },
  );

  suite.test(
    'Deny shows the call denied and the answer continues without it, also after a reload',
    async ({ openPage, api }) => {
      const page = await openPage('/');
      const sessionId = await askForApproval(page, 'sell the car');
      await lastAssistantMessage(page).getByTestId('deny-tool').click();
      const answer = await assertContinued(
        page,
        api,
        sessionId,
        /Not done: the action was denied\./,
      );
      assert.equal(toolStateOf(answer), 'output-denied');
      const call = lastAssistantMessage(page).getByTestId('tool-call');
      assert.equal(await call.getAttribute('data-state'), 'denied');
      await page.reload();
      await lastAssistantMessage(page).getByTestId('tool-call').waitFor();
      assert.equal(
        await lastAssistantMessage(page).getByTestId('tool-call').getAttribute('data-state'),
        'denied',
      );
      assert.equal(await page.getByTestId('message').count(), 2);
    },
  );
});
