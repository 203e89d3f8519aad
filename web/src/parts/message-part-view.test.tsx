import { render, screen, within } from '@testing-library/react';
import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { MessagePartView, type MessagePart } from './message-part-view.tsx';

function renderPart(part: unknown, afterContent = true) {
  return render(<MessagePartView part={part as MessagePart} afterContent={afterContent} />);
}

describe('MessagePartView', () => {
  it('renders text as GitHub-flavoured markdown: code blocks, lists and tables', () => {
    const text = [
      'Here is **bold** text.',
      '',
      '- first item',
      '- second item',
      '',
      '```ts',
      'const answer = 42;',
      '```',
      '',
      '| name | value |',
      '| ---- | ----- |',
      '| a    | 1     |',
    ].join('\n');
    renderPart({ type: 'text', text });
    const body = screen.getByTestId('message-text');
    expect(body.querySelector('strong')?.textContent).toBe('bold');
    expect([...body.querySelectorAll('li')].map((item) => item.textContent)).toEqual([
      'first item',
      'second item',
    ]);
    expect(body.querySelector('pre code')?.textContent).toBe('const answer = 42;\n');
    expect([...body.querySelectorAll('th')].map((cell) => cell.textContent)).toEqual([
      'name',
      'value',
    ]);
    expect(body.querySelector('td')?.textContent).toBe('a');
  });

  it('renders raw HTML in model text as text, never as markup', () => {
    renderPart({ type: 'text', text: 'hello <img src=x onerror="alert(1)"> world' });
    const body = screen.getByTestId('message-text');
    expect(body.querySelector('img')).toBeNull();
  });

  it('opens links from answers in a new tab and drops javascript: URLs', () => {
    renderPart({
      type: 'text',
      text: '[docs](https://example.com/docs) and [bad](javascript:alert(1))',
    });
    const links = screen.getAllByRole('link');
    expect(links[0]?.getAttribute('href')).toBe('https://example.com/docs');
    expect(links[0]?.getAttribute('target')).toBe('_blank');
    expect(links.some((link) => link.getAttribute('href')?.startsWith('javascript:'))).toBe(false);
  });

  it('renders reasoning in its own collapsible block, open while it streams', () => {
    const { rerender } = renderPart({
      type: 'reasoning',
      text: 'Let me think.',
      state: 'streaming',
    });
    const reasoning = screen.getByTestId('reasoning');
    expect(reasoning.textContent).toContain('Let me think.');
    expect(reasoning.hasAttribute('open')).toBe(true);
    rerender(
      <MessagePartView
        part={{ type: 'reasoning', text: 'Let me think.', state: 'done' }}
        afterContent
      />,
    );
    expect(screen.getByTestId('reasoning').hasAttribute('open')).toBe(false);
  });

  it('renders a source URL as a link titled by the source', () => {
    renderPart({
      type: 'source-url',
      sourceId: 's1',
      url: 'https://example.com/paper',
      title: 'The paper',
    });
    const source = screen.getByTestId('source');
    expect(source.dataset.sourceType).toBe('url');
    const link = within(source).getByRole('link');
    expect(link.textContent).toBe('The paper');
    expect(link.getAttribute('href')).toBe('https://example.com/paper');
  });

  it('renders a source document with its title and media type', () => {
    renderPart({
      type: 'source-document',
      sourceId: 'd1',
      mediaType: 'application/pdf',
      title: 'Handbook',
    });
    const source = screen.getByTestId('source');
    expect(source.dataset.sourceType).toBe('document');
    expect(source.textContent).toContain('Handbook');
    expect(source.textContent).toContain('application/pdf');
  });

  it('renders an image file inline and any other file as a download link', () => {
    const { unmount } = renderPart({
      type: 'file',
      mediaType: 'image/png',
      filename: 'chart.png',
      url: 'data:image/png;base64,iVBORw0KGgo=',
    });
    expect(screen.getByTestId('file-part').querySelector('img')?.getAttribute('alt')).toBe(
      'chart.png',
    );
    unmount();
    renderPart({
      type: 'file',
      mediaType: 'text/csv',
      filename: 'data.csv',
      url: 'https://example.com/data.csv',
    });
    const link = within(screen.getByTestId('file-part')).getByRole('link');
    expect(link.textContent).toContain('data.csv');
    expect(link.getAttribute('download')).toBe('data.csv');
  });

  it('shows an unknown data part with its type and its data as JSON', () => {
    renderPart({ type: 'data-weather', id: 'w1', data: { city: 'Oslo', degrees: -3 } });
    const part = screen.getByTestId('data-part');
    expect(part.dataset.partType).toBe('data-weather');
    expect(part.textContent).toContain('data-weather');
    expect(part.querySelector('pre')?.textContent).toBe(
      JSON.stringify({ city: 'Oslo', degrees: -3 }, null, 2),
    );
  });

  it('shows a part type it does not know generically instead of dropping it', () => {
    renderPart({ type: 'hologram', frames: 3 });
    const part = screen.getByTestId('unknown-part');
    expect(part.dataset.partType).toBe('hologram');
    expect(part.textContent).toContain('"frames": 3');
  });

  it('draws step-start as a divider between steps, not at the top of a message', () => {
    const { unmount } = renderPart({ type: 'step-start' }, false);
    expect(screen.queryByTestId('step-start')).toBeNull();
    unmount();
    renderPart({ type: 'step-start' }, true);
    expect(screen.getByTestId('step-start').tagName).toBe('HR');
  });

  it('renders tool parts as tool calls', () => {
    const part: UIMessage['parts'][number] = {
      type: 'dynamic-tool',
      toolName: 'lookup',
      toolCallId: 'c1',
      state: 'input-available',
      input: { query: 'x' },
    };
    renderPart(part);
    expect(screen.getByTestId('tool-call').dataset.toolName).toBe('lookup');
  });

  it("renders a steering message as the user's own words, a note inside the answer", () => {
    renderPart({
      type: 'steering-message',
      id: 'follow-up-1',
      parts: [
        { type: 'text', text: 'Use **Paris, Texas** instead' },
        {
          type: 'file',
          url: 'https://example.com/map.pdf',
          mediaType: 'application/pdf',
          filename: 'map.pdf',
        },
      ],
    });
    const note = screen.getByRole('note', { name: 'Your follow-up' });
    expect(note.dataset.messageId).toBe('follow-up-1');
    // Typed by a person: shown as typed, not as markdown.
    expect(within(note).getByTestId('steering-text').textContent).toBe(
      'Use **Paris, Texas** instead',
    );
    expect(
      within(note)
        .getByRole('link', { name: /map\.pdf/ })
        .getAttribute('href'),
    ).toBe('https://example.com/map.pdf');
    expect(screen.queryByTestId('unknown-part')).toBeNull();
  });
});
