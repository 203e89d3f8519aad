import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { normalizeText } from './browser-api.ts';

/** One rendered message, read from the selector contract (`data-testid="message"`). */
export interface RenderedMessage {
  role: string | null;
  id: string | null;
  /** `data-status` of assistant messages (`streaming|completed|stopped|failed`). */
  status: string | null;
  /** The text of its `message-text` elements, whitespace-normalized. */
  text: string;
}

const defaultTimeoutMs = 15_000;

/** Every message the page shows, in order. */
export async function renderedMessages(page: Page): Promise<RenderedMessage[]> {
  const raw = await page.getByTestId('message').evaluateAll((elements) =>
    elements.map((element) => ({
      role: element.getAttribute('data-role'),
      id: element.getAttribute('data-message-id'),
      status: element.getAttribute('data-status'),
      text: Array.from(element.querySelectorAll('[data-testid="message-text"]'))
        .map((text) => text.textContent ?? '')
        .join(' '),
    })),
  );
  return raw.map((message) => ({ ...message, text: normalizeText(message.text) }));
}

export async function renderedAssistantMessages(page: Page): Promise<RenderedMessage[]> {
  return (await renderedMessages(page)).filter((message) => message.role === 'assistant');
}

/** The last assistant message on the page. */
export function lastAssistantMessage(page: Page): Locator {
  return page.locator('[data-testid="message"][data-role="assistant"]').last();
}

/** Types `text` into the composer and clicks Send. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('composer-input');
  await input.fill(text);
  await page.getByTestId('send').click();
}

/** Waits until the last assistant message shows `status`. */
export async function waitForAssistantStatus(
  page: Page,
  status: 'streaming' | 'completed' | 'stopped' | 'failed',
  timeoutMs = 30_000,
): Promise<void> {
  await page
    .locator(`[data-testid="message"][data-role="assistant"][data-status="${status}"]`)
    .last()
    .waitFor({ timeout: timeoutMs });
}

/**
 * Waits until the last assistant message is still streaming and shows at least `minimumWords`
 * words: a partial answer, caught mid-stream. Returns that partial text.
 */
export async function waitForPartialAnswer(
  page: Page,
  minimumWords: number,
  timeoutMs = defaultTimeoutMs,
): Promise<string> {
  const handle = await page.waitForFunction(
    (minimum) => {
      const messages = document.querySelectorAll('[data-testid="message"][data-role="assistant"]');
      const last = messages[messages.length - 1];
      if (!last || last.getAttribute('data-status') !== 'streaming') return null;
      const text = Array.from(last.querySelectorAll('[data-testid="message-text"]'))
        .map((element) => element.textContent ?? '')
        .join(' ')
        .trim();
      return text.split(/\s+/).filter(Boolean).length >= minimum ? text : null;
    },
    minimumWords,
    { timeout: timeoutMs, polling: 'raf' },
  );
  return normalizeText((await handle.jsonValue()) ?? '');
}

/** Waits until `chat-status` (useChat's status; the element may be invisible) says `status`. */
export async function waitForChatStatus(
  page: Page,
  status: 'submitted' | 'streaming' | 'ready' | 'error',
  timeoutMs = defaultTimeoutMs,
): Promise<void> {
  await page
    .locator(`[data-testid="chat-status"][data-status="${status}"]`)
    .waitFor({ state: 'attached', timeout: timeoutMs });
}

/** The session id the page shows (`/?session=<id>`). */
export function sessionIdOf(page: Page): string | null {
  return new URL(page.url()).searchParams.get('session');
}

/** Waits until the URL names a session and returns its id. */
export async function waitForSessionId(page: Page, timeoutMs = defaultTimeoutMs): Promise<string> {
  await page.waitForURL((url) => url.searchParams.has('session'), { timeout: timeoutMs });
  const sessionId = sessionIdOf(page);
  if (!sessionId) throw new Error(`no session in ${page.url()}`);
  return sessionId;
}

/** The sidebar entry of a session. */
export function sessionItem(page: Page, sessionId: string): Locator {
  return page.locator(`[data-testid="session-item"][data-session-id="${sessionId}"]`);
}

/** Marks the page as the one first loaded, so a test can tell it later followed without a reload. */
export async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { notReloaded: boolean }).notReloaded = true;
  });
}

/** Fails when the page marked by `markPage` was reloaded since. */
export async function assertNotReloaded(page: Page): Promise<void> {
  assert.equal(
    await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded),
    true,
    'the page was reloaded',
  );
}
