/**
 * How fast a chat opens in the web app, short and long: a 20-message and a 2,000-message session
 * (seeded straight into the product's PGlite), each opened `runs` times in Chromium on a fresh
 * page. *First render* = from the navigation's start to the frame after the newest message is in
 * the DOM. Also the size and server time of the history the page reads, against the whole
 * history a client without paging reads. A third row opens the long chat as the app did before
 * paging (the request's `limit` removed, so all 2,000 messages are read and rendered). Prints a Markdown table (README, "Long chats").
 *
 *   node bench/measure-history-paging.ts [runs]
 */
import { chromium, type Browser } from 'playwright-core';
import { ensureFreshWebBuild } from '../tests/support/browser-build.ts';
import { startProductProcess } from '../tests/support/browser-server.ts';
import { chromiumPath } from '../tests/support/browser.ts';
import { type SeededSession, seedLongSessions } from '../tests/support/long-history.ts';
import { quantile } from './statistics.ts';

const runs = Number(process.argv[2] ?? 9);
const lengths = [20, 2000];

interface Opening {
  firstRenderMs: number;
  renderedMessages: number;
  historyBytes: number;
  historyRequests: number;
}

async function openOnce(
  browser: Browser,
  baseUrl: string,
  session: SeededSession,
  wholeHistory = false,
) {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (wholeHistory) {
    // The app as it was before paging: the history request without its limit reads everything.
    await page.route(`**/api/chat/sessions/${session.id}?*`, (route) => {
      const url = new URL(route.request().url());
      url.search = '';
      return route.continue({ url: url.href });
    });
  }
  const newest = session.messageIds.at(-1) ?? '';
  await page.addInitScript((id) => {
    const found = () => document.querySelector(`[data-message-id="${id}"]`) !== null;
    const observer = new MutationObserver(() => {
      if (!found()) return;
      observer.disconnect();
      requestAnimationFrame(() => {
        (window as unknown as { firstRender: number }).firstRender = performance.now();
      });
    });
    observer.observe(document, { childList: true, subtree: true });
  }, newest);
  let historyBytes = 0;
  let historyRequests = 0;
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname !== `/api/chat/sessions/${session.id}`) return;
    historyRequests += 1;
    historyBytes += (await response.body()).length;
  });
  await page.goto(`${baseUrl}/?session=${session.id}`);
  await page.waitForFunction(() => 'firstRender' in window);
  const opening: Opening = {
    firstRenderMs: await page.evaluate(
      () => (window as unknown as { firstRender: number }).firstRender,
    ),
    renderedMessages: await page.locator('[data-testid="message"]').count(),
    historyBytes,
    historyRequests,
  };
  await context.close();
  return opening;
}

/** Server time and size of one `GET /sessions/:id` (`query` = '' reads the whole history). */
async function readHistory(baseUrl: string, sessionId: string, query: string) {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/chat/sessions/${sessionId}${query}`);
  const bytes = (await response.arrayBuffer()).byteLength;
  return { ms: performance.now() - started, bytes };
}

const print = (line: string) => process.stdout.write(`${line}\n`);
const format = (value: number) => value.toFixed(0);
const median = (values: number[]) => quantile(values, 0.5);

async function main(): Promise<void> {
  await ensureFreshWebBuild();
  let sessions: SeededSession[] = [];
  const server = await startProductProcess({ LOG_LEVEL: 'warn' }, async (dataDir) => {
    sessions = await seedLongSessions(dataDir, lengths);
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const openings = new Map<string, Opening[]>();
    const record = (label: string, opening: Opening) =>
      openings.set(label, [...(openings.get(label) ?? []), opening]);
    await openOnce(browser, server.baseUrl, sessions[0] as SeededSession); // warm-up
    for (let run = 0; run < runs; run += 1) {
      // Alternate the order, so neither size always runs on a warmer server.
      const order = run % 2 === 0 ? sessions : sessions.toReversed();
      for (const session of order) {
        const label = `${session.messageIds.length.toLocaleString('en-US')} messages`;
        record(label, await openOnce(browser, server.baseUrl, session));
      }
      const long = sessions[1] as SeededSession;
      record(
        '2,000 messages, whole history (no paging)',
        await openOnce(browser, server.baseUrl, long, true),
      );
    }
    const long = sessions[1] as SeededSession;
    const whole: number[] = [];
    const paged: number[] = [];
    let wholeBytes = 0;
    let pagedBytes = 0;
    for (let run = 0; run < runs; run += 1) {
      const all = await readHistory(server.baseUrl, long.id, '');
      const page = await readHistory(server.baseUrl, long.id, '?limit=30');
      whole.push(all.ms);
      paged.push(page.ms);
      wholeBytes = all.bytes;
      pagedBytes = page.bytes;
    }

    print(
      `| chat | first render, median (min–max) of ${runs} | messages rendered | history read |`,
    );
    print('| --- | --- | --- | --- |');
    for (const [label, results] of openings) {
      const times = results.map((result) => result.firstRenderMs);
      const last = results.at(-1) as Opening;
      print(
        `| ${label} | ${format(median(times))} ms ` +
          `(${format(Math.min(...times))}–${format(Math.max(...times))}) | ${last.renderedMessages} | ` +
          `${last.historyRequests} request, ${(last.historyBytes / 1024).toFixed(1)} KiB |`,
      );
    }
    print(
      `\nGET /sessions/:id of the 2,000-message chat: whole history ${(wholeBytes / 1024).toFixed(0)} KiB ` +
        `in ${format(median(whole))} ms (median); newest page (?limit=30) ` +
        `${(pagedBytes / 1024).toFixed(1)} KiB in ${format(median(paged))} ms.`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
