import { afterEach } from 'vitest';

/**
 * jsdom has no clipboard: this one holds what was written, like the browser's Clipboard API
 * (the real one is exercised in Chromium by tests/browser). `refuse` makes writes fail, as a
 * browser does without permission.
 */
export function installFakeClipboard(options: { refuse?: boolean } = {}) {
  const clipboard = {
    text: '',
    async writeText(text: string) {
      if (options.refuse) throw new DOMException('Write permission denied.', 'NotAllowedError');
      clipboard.text = text;
    },
  };
  Object.defineProperty(navigator, 'clipboard', { value: clipboard, configurable: true });
  return clipboard;
}

/** Leaves the next test a navigator without a clipboard, as jsdom starts. */
export function removeFakeClipboardAfterEach() {
  afterEach(() => {
    Reflect.deleteProperty(navigator, 'clipboard');
  });
}
