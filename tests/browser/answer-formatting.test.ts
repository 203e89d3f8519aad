import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { assistantMessagesOf, textOf } from '../support/browser-api.ts';
import {
  lastAssistantMessage,
  sendMessage,
  waitForAssistantStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../support/fake-openai-server.ts';

const phone = { width: 390, height: 844 };
const looks: { name: string; contextOptions: BrowserContextOptions }[] = [
  { name: 'desktop', contextOptions: { viewport: { width: 1280, height: 800 } } },
  {
    name: 'desktop-dark',
    contextOptions: { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  },
  {
    name: 'phone',
    contextOptions: { viewport: phone, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  },
  {
    name: 'phone-dark',
    contextOptions: {
      viewport: phone,
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
      colorScheme: 'dark',
    },
  },
];

const wideTable = [
  'Here is the comparison you asked for:',
  '',
  '| Language | Paradigm | Typing discipline | First appeared | Notable feature |',
  '| --- | --- | --- | --- | --- |',
  '| TypeScript | Multi-paradigm | Static, structural | 2012 | Gradual typing over JavaScript |',
  '| Haskell | Purely functional | Static, inferred | 1990 | Lazy evaluation by default |',
  '| Erlang | Concurrent functional | Dynamic | 1986 | Supervision trees and hot code loading |',
  '',
  'Pick whichever suits the team.',
].join('\n');

const codeAnswer = [
  'Add the numbers like this:',
  '',
  '```ts',
  'function add(left: number, right: number): number {',
  '  // plain addition',
  "  console.log('adding');",
  '  return left + right;',
  '}',
  '```',
].join('\n');

/** The markdown in pieces, as a model streams it. */
function deltasOf(markdown: string): string[] {
  return markdown.match(/[\s\S]{1,12}/g) ?? [];
}

async function clipboardText(context: BrowserContext, baseUrl: string): Promise<string> {
  const reader = await context.newPage();
  await reader.goto(`${baseUrl}/`);
  const text = await reader.evaluate(() => navigator.clipboard.readText());
  await reader.close();
  return text;
}

/**
 * Words of table cells drawn across more than one line: a word broken mid-letter. The parts of
 * a hyphenated word count apart, since a line may end at the hyphen.
 */
async function brokenWords(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const broken: string[] = [];
    for (const cell of document.querySelectorAll('.markdown th, .markdown td')) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (const match of text.matchAll(/[^\s-]+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const lines = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
          if (lines.size > 1) broken.push(match[0]);
        }
      }
    }
    return broken;
  });
}

describe('formatted answers in the browser', () => {
  let fake: FakeOpenAiServer;
  const environment: Record<string, string> = {
    OPENAI_API_KEY: 'sk-test-key',
    MODEL: 'fake-model',
  };
  before(async () => {
    fake = await startFakeOpenAiServer();
    environment.OPENAI_BASE_URL = `${fake.url}/v1`;
  });
  after(async () => {
    await fake.close();
  });
  const suite = browserSuite({ environment });

  for (const look of looks) {
    suite.test(
      `a wide table scrolls inside its own box, never the page, with every word whole (${look.name})`,
      async ({ openPage, screenshot }) => {
        fake.enqueue({ type: 'text', deltas: deltasOf(wideTable) });
        const page = await openPage('/');
        await sendMessage(page, 'Compare a few programming languages in a table');
        await waitForAssistantStatus(page, 'completed');
        const table = lastAssistantMessage(page).getByTestId('table-scroll');
        assert.deepEqual(await table.locator('th').allTextContents(), [
          'Language',
          'Paradigm',
          'Typing discipline',
          'First appeared',
          'Notable feature',
        ]);
        const widths = await page.evaluate(() => ({
          document: document.documentElement.scrollWidth,
          body: document.body.scrollWidth,
          viewport: window.innerWidth,
        }));
        assert.ok(
          widths.document <= widths.viewport && widths.body <= widths.viewport,
          `the page scrolls sideways: ${JSON.stringify(widths)}`,
        );
        assert.deepEqual(await brokenWords(page), [], 'words in the table break mid-letter');
        const box = await table.evaluate((element) => ({
          scrollWidth: element.scrollWidth,
          clientWidth: element.clientWidth,
          right: element.getBoundingClientRect().right,
        }));
        assert.ok(box.right <= widths.viewport, `the table box sticks out: ${JSON.stringify(box)}`);
        if (look.name.startsWith('phone')) {
          assert.ok(
            box.scrollWidth > box.clientWidth,
            `the table does not scroll: ${JSON.stringify(box)}`,
          );
          await table.evaluate((element) => element.scrollBy(10_000, 0));
          const scrolled = await table.evaluate((element) => element.scrollLeft);
          assert.ok(scrolled > 0, 'the table box cannot be scrolled sideways');
          assert.equal(await page.evaluate(() => window.scrollX), 0);
          await screenshot(page, `table-scrolled-${look.name}`);
          await table.evaluate((element) => element.scrollTo(0, 0));
        }
        await screenshot(page, `table-${look.name}`);
      },
      { contextOptions: look.contextOptions },
    );
  }

  for (const look of [looks[0], looks[3]]) {
    if (!look) continue;
    suite.test(
      `a code block shows its language and highlighted code, and Copy code copies it (${look.name})`,
      async ({ openPage, context, baseUrl, screenshot }) => {
        await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
        fake.enqueue({ type: 'text', deltas: deltasOf(codeAnswer) });
        const page = await openPage('/');
        await sendMessage(page, 'How do I add two numbers in TypeScript?');
        await waitForAssistantStatus(page, 'completed');
        const block = lastAssistantMessage(page).getByTestId('code-block');
        assert.equal(await block.getByTestId('code-language').textContent(), 'ts');
        assert.equal(await block.getByTestId('code-language').isVisible(), true);
        await block.locator('code[data-highlighted]').waitFor();
        assert.deepEqual(await block.locator('.hljs-keyword').allTextContents(), [
          'function',
          'return',
        ]);
        const colours = await block.evaluate((element) => {
          const colourOf = (selector: string) =>
            getComputedStyle(element.querySelector(selector) ?? element).color;
          return {
            plain: getComputedStyle(element.querySelector('code') ?? element).color,
            keyword: colourOf('.hljs-keyword'),
            comment: colourOf('.hljs-comment'),
            string: colourOf('.hljs-string'),
          };
        });
        assert.equal(new Set(Object.values(colours)).size, 4, JSON.stringify(colours));

        await block.getByRole('button', { name: 'Copy ts code' }).click();
        await block.getByTestId('copy-code').filter({ hasText: 'Copied' }).waitFor();
        const code = codeAnswer.split('```ts\n')[1]?.split('\n```')[0];
        assert.equal(await clipboardText(context, baseUrl), code);
        await screenshot(page, `code-block-${look.name}`);
      },
      { contextOptions: look.contextOptions },
    );
  }

  suite.test(
    'Copy on a message puts its markdown on the clipboard and says Copied',
    async ({ openPage, context, baseUrl, api }) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
      fake.enqueue({ type: 'text', deltas: deltasOf(codeAnswer) });
      const page = await openPage('/');
      await sendMessage(page, 'Show me **addition**');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      const copy = lastAssistantMessage(page).getByRole('button', { name: 'Copy message' });
      await copy.click();
      await lastAssistantMessage(page).getByRole('button', { name: 'Copied' }).waitFor();
      assert.equal(await clipboardText(context, baseUrl), codeAnswer);
      const stored = assistantMessagesOf(await api.waitForTurnToEnd(sessionId));
      assert.equal(textOf(stored[0] ?? { id: '', role: 'assistant', parts: [] }), codeAnswer);

      const question = page.locator('[data-testid="message"][data-role="user"]');
      await question.hover();
      await question.getByRole('button', { name: 'Copy message' }).click();
      assert.equal(await clipboardText(context, baseUrl), 'Show me **addition**');
    },
  );

  suite.test(
    'Copy on a message still works where the Clipboard API is missing, through the copy command',
    async ({ openPage, context, baseUrl }) => {
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseUrl });
      fake.enqueue({ type: 'text', deltas: deltasOf(wideTable) });
      const page = await context.newPage();
      // As on a server reached over plain http from another machine: no secure context.
      await page.addInitScript(() => {
        Reflect.deleteProperty(Navigator.prototype, 'clipboard');
      });
      await page.goto(`${baseUrl}/`);
      assert.equal(await page.evaluate(() => 'clipboard' in navigator), false);
      await sendMessage(page, 'A table once more');
      await waitForAssistantStatus(page, 'completed');
      await lastAssistantMessage(page).getByRole('button', { name: 'Copy message' }).click();
      await lastAssistantMessage(page).getByRole('button', { name: 'Copied' }).waitFor();
      assert.equal(await clipboardText(context, baseUrl), wideTable);
      void openPage;
    },
  );
});
