import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';
import { ProductApi } from './browser-api.ts';
import { ensureFreshWebBuild } from './browser-build.ts';
import { type ProductProcess, startProductProcess } from './browser-server.ts';

/** Debian's Chromium, which `npm test` installs when missing; never a downloaded browser. */
export const chromiumPath = '/usr/bin/chromium';

/** Where screenshots of the key states go; CI keeps this folder as an artifact. */
export const screenshotFolder = join(import.meta.dirname, '../../test-results/screenshots');

const chromiumArguments = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** What one browser test gets: the server, its API, and a fresh browser context of its own. */
export interface BrowserTest {
  baseUrl: string;
  api: ProductApi;
  context: BrowserContext;
  /** A new tab of this test's context, navigated to `path` on the product (default `/`). */
  openPage(path?: string): Promise<Page>;
  /** Saves `test-results/screenshots/<name>.png`. */
  screenshot(page: Page, name: string): Promise<void>;
  /**
   * Console errors matching `pattern` are expected by this test (the browser logs every refused
   * request, e.g. the 409 a conflict test provokes); any other console or page error fails it.
   */
  allowConsoleError(pattern: RegExp): void;
}

export interface BrowserSuiteOptions {
  /** Environment of the product process (demo model tuning, `JWT_SECRET`). */
  environment?: Record<string, string>;
  /** Options of every test's browser context (viewport, …). */
  contextOptions?: BrowserContextOptions;
  /** Fills the product's `DATA_DIR` before it starts (e.g. `seedLongSessions`). */
  prepareDataDir?: (dataDir: string) => Promise<void>;
}

export interface BrowserTestOptions {
  contextOptions?: BrowserContextOptions;
}

export interface BrowserSuite {
  /** The running product process (available inside tests). */
  readonly server: ProductProcess;
  test(
    name: string,
    body: (browserTest: BrowserTest) => Promise<void>,
    options?: BrowserTestOptions,
  ): void;
}

/**
 * Registers, in the surrounding `describe`, a fresh web build, a real product process and one
 * Chromium, all torn down after the suite even when a test fails. `suite.test` runs a test in a
 * browser context of its own and fails it on unexpected console or page errors.
 */
export function browserSuite(options: BrowserSuiteOptions = {}): BrowserSuite {
  let server: ProductProcess | undefined;
  let browser: Browser | undefined;

  before(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `the browser tests need Debian's Chromium at ${chromiumPath}; \`npm test\` installs it ` +
          'first (scripts/ensure-browser.ts), or run `apt-get install -y chromium` yourself',
      );
    }
    await ensureFreshWebBuild();
    server = await startProductProcess(options.environment, options.prepareDataDir);
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArguments });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  return {
    get server() {
      if (!server) throw new Error('the product process is not running (outside a test?)');
      return server;
    },
    test(name, body, testOptions = {}) {
      it(name, async () => {
        if (!server || !browser) throw new Error('the browser suite did not start');
        await runBrowserTest(server, browser, name, body, {
          ...options.contextOptions,
          ...testOptions.contextOptions,
        });
      });
    },
  };
}

async function runBrowserTest(
  server: ProductProcess,
  browser: Browser,
  name: string,
  body: (browserTest: BrowserTest) => Promise<void>,
  contextOptions: BrowserContextOptions,
): Promise<void> {
  await removeFailureScreenshots(name);
  // Less motion unless a test asks for it: endless CSS animations (the running dot, the typing
  // dots) make software-rendered Chromium repaint every frame, a fifth of the suite's CPU.
  const context = await browser.newContext({ reducedMotion: 'reduce', ...contextOptions });
  const visitorCookie = await shareVisitorCookie(server.baseUrl, context);
  // Shorter than Playwright's 30 s, so a missing element fails the test well inside its budget.
  context.setDefaultTimeout(20_000);
  const problems: string[] = [];
  const allowed: RegExp[] = [];
  context.on('page', (page) => watchPage(page, problems));
  const browserTest: BrowserTest = {
    baseUrl: server.baseUrl,
    api: new ProductApi(server.baseUrl, undefined, visitorCookie),
    context,
    async openPage(path = '/') {
      const page = await context.newPage();
      await page.goto(`${server.baseUrl}${path}`);
      return page;
    },
    async screenshot(page, screenshotName) {
      await mkdir(screenshotFolder, { recursive: true });
      await page.screenshot({
        path: join(screenshotFolder, `${screenshotName}.png`),
        fullPage: true,
      });
    },
    allowConsoleError(pattern) {
      allowed.push(pattern);
    },
  };
  try {
    await body(browserTest);
    const unexpected = problems.filter(
      (problem) => !allowed.some((pattern) => pattern.test(problem)),
    );
    if (unexpected.length > 0) {
      throw new UnexpectedBrowserErrors(`unexpected browser errors:\n${unexpected.join('\n')}`);
    }
  } catch (error) {
    await screenshotOpenPages(context, name);
    if (error instanceof Error) addDiagnostics(error, problems, server);
    throw error;
  } finally {
    await context.close();
  }
}

/**
 * In anonymous mode the page gives each browser a visitor key, and only that key sees the chats
 * it made. Loads the page once from here to get one and puts it in the browser context, so the
 * test's API calls and the browser's tabs are one visitor (as two devices of one user would be
 * with a token). Returns the Cookie header for the API calls; undefined when the page set none
 * (auth on).
 */
async function shareVisitorCookie(
  baseUrl: string,
  context: BrowserContext,
): Promise<string | undefined> {
  const response = await fetch(`${baseUrl}/`);
  await response.body?.cancel();
  const setCookie = response.headers.getSetCookie()[0];
  if (setCookie === undefined) return undefined;
  const pair = setCookie.split(';')[0] ?? '';
  const separator = pair.indexOf('=');
  await context.addCookies([
    {
      name: pair.slice(0, separator),
      value: pair.slice(separator + 1),
      url: baseUrl,
      httpOnly: true,
      sameSite: 'Lax',
    },
  ]);
  return pair;
}

class UnexpectedBrowserErrors extends Error {}

/** Appends what the browser and the server said, so a failure can be understood from the log. */
function addDiagnostics(error: Error, problems: string[], server: ProductProcess): void {
  const diagnostics = [
    problems.length > 0 && !(error instanceof UnexpectedBrowserErrors)
      ? `browser errors during the test:\n${problems.join('\n')}`
      : '',
    `server output (last lines):\n${server.output().slice(-4000)}`,
  ]
    .filter(Boolean)
    .join('\n');
  // node:test prints the stack, which carries the message as it was when the error was made.
  error.message += `\n${diagnostics}`;
  if (error.stack) error.stack += `\n${diagnostics}`;
}

function watchPage(page: Page, problems: string[]): void {
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const { url } = message.location();
    problems.push(`console error: ${message.text()}${url ? ` (${url})` : ''}`);
  });
  page.on('pageerror', (error) => {
    problems.push(`page error: ${error.stack ?? error.message}`);
  });
}

function failureScreenshotPrefix(testName: string): string {
  return `failed-${testName.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}-`;
}

/** Drops the failure screenshots an earlier run of this test left, so the folder tells the truth. */
async function removeFailureScreenshots(testName: string): Promise<void> {
  const prefix = failureScreenshotPrefix(testName);
  const files = await readdir(screenshotFolder).catch(() => [] as string[]);
  for (const file of files) {
    if (file.startsWith(prefix)) await rm(join(screenshotFolder, file), { force: true });
  }
}

async function screenshotOpenPages(context: BrowserContext, testName: string): Promise<void> {
  const prefix = failureScreenshotPrefix(testName);
  await mkdir(screenshotFolder, { recursive: true });
  let index = 0;
  for (const page of context.pages()) {
    index += 1;
    await page
      .screenshot({ path: join(screenshotFolder, `${prefix}${index}.png`), fullPage: true })
      .catch(() => undefined);
  }
}
