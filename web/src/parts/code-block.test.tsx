import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { installFakeClipboard, removeFakeClipboardAfterEach } from '../testing/fake-clipboard.ts';
import { MarkdownText } from './markdown-text.tsx';

const fence = (language: string, code: string) => ['```' + language, code, '```'].join('\n');

/** Waits until the first block's code was highlighted (the highlighter loads lazily). */
async function waitForHighlighting() {
  await waitFor(() =>
    expect(
      screen.getAllByTestId('code-block')[0]?.querySelector('[data-highlighted]'),
    ).toBeTruthy(),
  );
}

describe('code blocks in answers', () => {
  removeFakeClipboardAfterEach();

  it('labels a block with its language and highlights its tokens, keeping the code as written', async () => {
    const code = 'const answer: number = 42; // the answer';
    render(<MarkdownText text={fence('ts', code)} />);
    expect(screen.getByTestId('code-language').textContent).toBe('ts');
    await waitForHighlighting();
    const element = screen.getByTestId('code-block').querySelector('pre code');
    expect(element?.textContent).toBe(`${code}\n`);
    expect(element?.querySelector('.hljs-keyword')?.textContent).toBe('const');
    expect(element?.querySelector('.hljs-number')?.textContent).toBe('42');
    expect(element?.querySelector('.hljs-comment')?.textContent).toBe('// the answer');
  });

  it('knows common languages by their usual names (python, bash, json)', async () => {
    render(
      <MarkdownText
        text={[
          fence('python', 'def add(a, b):\n    return a + b'),
          fence('bash', 'echo "hi"'),
          fence('json', '{"a": true}'),
        ].join('\n\n')}
      />,
    );
    await waitForHighlighting();
    const blocks = screen.getAllByTestId('code-block');
    expect(blocks.map((block) => block.dataset.language)).toEqual(['python', 'bash', 'json']);
    for (const block of blocks) expect(block.querySelector('code [class^="hljs-"]')).toBeTruthy();
  });

  it('leaves a block in a language it does not know plain, still labelled', async () => {
    render(
      <MarkdownText
        text={[fence('ts', 'let x = 1;'), fence('klingon', 'Qapla` 42')].join('\n\n')}
      />,
    );
    await waitForHighlighting();
    const unknown = screen.getAllByTestId('code-block')[1];
    expect(unknown?.querySelector('[data-testid="code-language"]')?.textContent).toBe('klingon');
    expect(unknown?.querySelector('code')?.textContent).toBe('Qapla` 42\n');
    expect(unknown?.querySelector('code span')).toBeNull();
  });

  it('shows a block without a language unlabelled and unhighlighted', () => {
    render(<MarkdownText text={fence('', 'plain words')} />);
    expect(screen.getByTestId('code-language').textContent).toBe('');
    expect(screen.getByTestId('code-block').querySelector('code span')).toBeNull();
  });

  it('never turns markup in code into elements', async () => {
    render(<MarkdownText text={fence('html', '<img src=x onerror="alert(1)">')} />);
    await waitForHighlighting();
    const code = screen.getByTestId('code-block').querySelector('code');
    expect(code?.querySelector('img')).toBeNull();
    expect(code?.textContent).toBe('<img src=x onerror="alert(1)">\n');
  });

  it('copies the code of a block, without the language label or the closing newline', async () => {
    const clipboard = installFakeClipboard();
    render(<MarkdownText text={fence('ts', 'const a = 1;')} />);
    const copy = screen.getByRole('button', { name: 'Copy ts code' });
    await act(async () => {
      fireEvent.click(copy);
    });
    expect(clipboard.text).toBe('const a = 1;');
    expect(copy.textContent).toBe('Copied');
  });
});
