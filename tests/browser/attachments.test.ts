import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { FileUIPart } from 'ai';
import type { Locator, Page } from 'playwright-core';
import {
  lastAssistantMessage,
  sendMessage,
  waitForAssistantStatus,
  waitForChatStatus,
  waitForSessionId,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';
import { testJwtSecret, tokenFor, userA } from '../support/tokens.ts';

/** A 1×1 PNG: small, but an image the browser really decodes. */
const pixelPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const userMessages = (page: Page) => page.locator('[data-testid="message"][data-role="user"]');

/** What a user message shows of its files: images decoded inline, other files as named chips. */
async function shownFiles(message: Locator) {
  const parts = message.getByTestId('file-part');
  await message.getByTestId('file-image').first().waitFor();
  await message
    .getByTestId('file-image')
    .first()
    .evaluate((image: HTMLImageElement) => image.decode());
  return parts.evaluateAll((elements) =>
    elements.map((element) => {
      const image = element.querySelector('img');
      return {
        filename: element.getAttribute('data-filename'),
        mediaType: element.getAttribute('data-media-type'),
        image: image === null ? null : { width: image.naturalWidth, src: image.src.slice(0, 15) },
        link: element.querySelector('a')?.getAttribute('href') ?? null,
      };
    }),
  );
}

async function waitForUploads(page: Page, count: number) {
  await page
    .locator('[data-testid="attachment"][data-status="uploaded"]')
    .nth(count - 1)
    .waitFor();
}

describe('attaching files in the browser', () => {
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '2' } });

  suite.test(
    'attaches by the button, sends, and shows the files in the message and after a reload',
    async ({ openPage, api, screenshot }) => {
      const page = await openPage('/');
      await page.getByTestId('empty-state').waitFor();
      await page.getByTestId('file-picker').setInputFiles([
        { name: 'pixel.png', mimeType: 'image/png', buffer: pixelPng },
        { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('first line\nmore\n') },
      ]);
      await waitForUploads(page, 2);
      const thumbnail = page.getByTestId('attachment').first().locator('img');
      assert.match((await thumbnail.getAttribute('src')) ?? '', /^data:image\/png;base64,/);
      assert.match(await page.getByTestId('attachment').nth(1).innerText(), /notes\.txt/);
      await screenshot(page, 'attachments-before-send');
      await sendMessage(page, 'Look at these files');
      const sessionId = await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      await waitForChatStatus(page, 'ready');
      assert.equal(await page.getByTestId('attachment').count(), 0, 'the composer kept files');
      // The file reached the model: the demo model quotes a text file's first line.
      assert.match(
        await lastAssistantMessage(page).innerText(),
        /File notes\.txt begins: "first line"/,
      );

      const expected = [
        {
          filename: 'pixel.png',
          mediaType: 'image/png',
          image: { width: 1, src: 'data:image/png;' },
        },
        { filename: 'notes.txt', mediaType: 'text/plain', image: null },
      ];
      const sent = await shownFiles(userMessages(page).first());
      assert.deepEqual(
        sent.map(({ link: _link, ...shown }) => shown),
        expected,
      );
      assert.match(sent[1]!.link ?? '', /^\/api\/chat\/files\/[\w-]+$/);
      await screenshot(page, 'attachments-sent');

      const [stored] = (await api.getSession(sessionId)).messages;
      const files = stored!.parts.filter((part): part is FileUIPart => part.type === 'file');
      assert.deepEqual(
        files.map(({ filename, url }) => ({ filename, url: url.replace(/[\w-]+$/, '<id>') })),
        [
          { filename: 'pixel.png', url: '/api/chat/files/<id>' },
          { filename: 'notes.txt', url: '/api/chat/files/<id>' },
        ],
      );
      assert.equal(files[1]!.url, sent[1]!.link);

      await page.reload();
      await waitForAssistantStatus(page, 'completed');
      assert.deepEqual(await shownFiles(userMessages(page).first()), sent);

      // Editing the text keeps the files: the server stores them again with the new text.
      await page.getByTestId('edit-message').click();
      await page.getByTestId('message-editor-input').fill('Look at these files again');
      await page.getByTestId('message-editor-save').click();
      // In the question: the answer quotes the text too.
      await userMessages(page).first().getByText('Look at these files again').waitFor();
      await waitForAssistantStatus(page, 'completed');
      await waitForChatStatus(page, 'ready');
      assert.deepEqual(await shownFiles(userMessages(page).first()), sent);
      const [edited] = (await api.getSession(sessionId)).messages;
      assert.deepEqual(
        edited!.parts.filter((part) => part.type === 'file'),
        files,
      );
    },
  );

  suite.test(
    'attaches files dropped on the conversation to the next message, and the answer quotes them',
    async ({ openPage }) => {
      const page = await openPage('/');
      await sendMessage(page, 'A first message without files');
      await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');

      const dataTransfer = await page.evaluateHandle((base64) => {
        const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
        transfer.items.add(
          new File(['dropped first line\n'], 'dropped.txt', { type: 'text/plain' }),
        );
        return transfer;
      }, pixelPng.toString('base64'));
      const conversation = page.locator('.chat');
      await conversation.dispatchEvent('dragenter', { dataTransfer });
      await conversation.dispatchEvent('dragover', { dataTransfer });
      await conversation.dispatchEvent('drop', { dataTransfer });
      await waitForUploads(page, 2);
      await page.getByTestId('send').click();
      await page.locator('[data-testid="message"][data-role="assistant"]').nth(1).waitFor();
      await waitForAssistantStatus(page, 'completed');
      await waitForChatStatus(page, 'ready');

      const shown = await shownFiles(userMessages(page).nth(1));
      assert.deepEqual(
        shown.map(({ filename, image }) => ({ filename, image })),
        [
          { filename: 'dropped.png', image: { width: 1, src: 'data:image/png;' } },
          { filename: 'dropped.txt', image: null },
        ],
      );
      assert.match(
        await lastAssistantMessage(page).innerText(),
        /File dropped\.txt begins: "dropped first line"/,
      );
      assert.equal(await userMessages(page).first().getByTestId('file-part').count(), 0);
    },
  );
});

describe('attaching files in the browser with auth on', () => {
  const suite = browserSuite({
    environment: { JWT_SECRET: testJwtSecret, DEMO_TOKEN_DELAY_MS: '2' },
  });

  suite.test(
    "a signed-in user's image shows through the token, and a refused type says why",
    async ({ openPage, allowConsoleError }) => {
      allowConsoleError(/415|Unsupported Media Type/i);
      const token = await tokenFor(userA);
      const page = await openPage(`/#token=${encodeURIComponent(token)}`);
      await page.getByTestId('empty-state').waitFor();
      await page
        .getByTestId('file-picker')
        .setInputFiles([
          { name: 'archive.zip', mimeType: 'application/zip', buffer: Buffer.from('PK') },
        ]);
      const refused = page.getByTestId('attachment-error');
      await refused.waitFor();
      assert.match(await refused.innerText(), /application\/zip are not accepted/);
      assert.equal(await page.getByTestId('send').isDisabled(), true);
      await page.getByRole('button', { name: 'Remove archive.zip' }).click();

      await page
        .getByTestId('file-picker')
        .setInputFiles([{ name: 'pixel.png', mimeType: 'image/png', buffer: pixelPng }]);
      await waitForUploads(page, 1);
      await sendMessage(page, 'An image, signed in');
      await waitForSessionId(page);
      await waitForAssistantStatus(page, 'completed');
      const shown = await shownFiles(userMessages(page).first());
      assert.deepEqual(
        shown.map(({ filename, image }) => ({ filename, image })),
        [{ filename: 'pixel.png', image: { width: 1, src: 'data:image/png;' } }],
      );
    },
  );
});
