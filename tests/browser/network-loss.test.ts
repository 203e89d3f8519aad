import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { assistantMessagesOf, normalizeText, outcomeOf, textOf } from '../support/browser-api.ts';
import {
  renderedMessages,
  sendMessage,
  waitForAssistantStatus,
  waitForPartialAnswer,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';
import { TcpFaultProxy } from '../support/tcp-fault-proxy.ts';

const answerWords = 400;

describe('losing the network in the browser', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '15' } });

  suite.test(
    'when the link dies mid-answer (random points and outages), the tab ends with the whole answer once, as the server kept it',
    async ({ context, baseUrl, api, allowConsoleError }) => {
      // Chromium logs each request the dead link breaks (the stream, reconnects, list polls), with
      // a code that depends on where the reset caught the socket (RESET, REFUSED, CLOSED,
      // EMPTY_RESPONSE, SOCKET_NOT_CONNECTED, …). Errors of the page itself still fail the test.
      allowConsoleError(/^console error: Failed to load resource: net::ERR_[A-Z_]+/);
      // The tab reaches the server only through this proxy, which resets every socket on demand.
      const proxy = await TcpFaultProxy.start({
        host: '127.0.0.1',
        port: Number(new URL(baseUrl).port),
      });
      try {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const when = `attempt ${attempt}`;
          const page = await context.newPage();
          await page.goto(`http://127.0.0.1:${proxy.port}/`);
          await sendMessage(
            page,
            `Keep answering through outages ${attempt} [demo:words=${answerWords}]`,
          );
          const sessionId = await waitForSessionId(page);
          let shownWords = 0;
          for (let outage = 0; outage < 1 + attempt; outage += 1) {
            shownWords = (
              await waitForPartialAnswer(page, shownWords + 5 + Math.floor(Math.random() * 30))
            ).split(' ').length;
            proxy.goDown();
            await page.waitForTimeout(100 + Math.floor(Math.random() * 900));
            proxy.comeBack();
          }

          await waitForAssistantStatus(page, 'completed');
          const stored = assistantMessagesOf(await api.waitForTurnToEnd(sessionId));
          assert.equal(stored.length, 1, when);
          assert.equal(outcomeOf(stored[0]), 'completed', when);
          const rendered = await renderedMessages(page);
          assert.deepEqual(
            rendered.map((message) => message.role),
            ['user', 'assistant'],
            `${when}: ${JSON.stringify(rendered)}`,
          );
          assert.equal(
            rendered[1]?.text,
            normalizeText(textOf(stored[0] ?? { id: '', role: 'assistant', parts: [] })),
            `${when}: the tab shows another text than the server kept`,
          );
          assert.equal(rendered[1]?.text.split(' ').length, answerWords, when);
          assert.equal(await page.getByTestId('error-notice').count(), 0, when);
          await page.close();
        }
      } finally {
        await proxy.close();
      }
    },
  );
});
