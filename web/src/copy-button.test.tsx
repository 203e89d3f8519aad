import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { CopyButton } from './copy-button.tsx';
import { installFakeClipboard, removeFakeClipboardAfterEach } from './testing/fake-clipboard.ts';

function renderButton(text = 'some **markdown**') {
  render(<CopyButton text={() => text} accessibleName="Copy message" testId="copy" />);
  return screen.getByTestId('copy');
}

describe('CopyButton', () => {
  removeFakeClipboardAfterEach();

  it('writes the text to the clipboard and says Copied, to the eye and to screen readers', async () => {
    const clipboard = installFakeClipboard();
    const button = renderButton();
    expect(button.textContent).toBe('Copy');
    expect(button.getAttribute('aria-label')).toBe('Copy message');
    await act(async () => {
      fireEvent.click(button);
    });
    expect(clipboard.text).toBe('some **markdown**');
    expect(button.textContent).toBe('Copied');
    expect(button.getAttribute('aria-label')).toBe('Copied');
    expect(button.querySelector('[aria-live="polite"]')?.textContent).toBe('Copied');
  });

  it('reads "Copy" again a moment after copying', async () => {
    installFakeClipboard();
    vi.useFakeTimers();
    try {
      const button = renderButton();
      await act(async () => {
        fireEvent.click(button);
      });
      expect(button.textContent).toBe('Copied');
      act(() => vi.advanceTimersByTime(2000));
      expect(button.textContent).toBe('Copy');
      expect(button.getAttribute('aria-label')).toBe('Copy message');
    } finally {
      vi.useRealTimers();
    }
  });

  it('falls back to the copy command where the Clipboard API is missing (no secure context)', async () => {
    let copiedSelection: string | undefined;
    const execCommand = vi.fn((command: string) => {
      const field = document.activeElement;
      if (command === 'copy' && field instanceof HTMLTextAreaElement) {
        copiedSelection = field.value.slice(field.selectionStart, field.selectionEnd);
      }
      return copiedSelection !== undefined;
    });
    Object.defineProperty(document, 'execCommand', { value: execCommand, configurable: true });
    try {
      const button = renderButton('fallback text');
      button.focus();
      await act(async () => {
        fireEvent.click(button);
      });
      expect(execCommand).toHaveBeenCalledWith('copy');
      expect(copiedSelection).toBe('fallback text');
      expect(button.textContent).toBe('Copied');
      expect(document.activeElement).toBe(button);
      expect(document.querySelectorAll('textarea')).toHaveLength(0);
    } finally {
      Reflect.deleteProperty(document, 'execCommand');
    }
  });

  it('says Copy failed when the browser refuses both ways', async () => {
    installFakeClipboard({ refuse: true });
    Object.defineProperty(document, 'execCommand', { value: () => false, configurable: true });
    try {
      const button = renderButton();
      await act(async () => {
        fireEvent.click(button);
      });
      expect(button.textContent).toBe('Copy failed');
      expect(button.getAttribute('aria-label')).toBe('Copy failed');
    } finally {
      Reflect.deleteProperty(document, 'execCommand');
    }
  });
});
