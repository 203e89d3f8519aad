import { useEffect, useMemo, useState, type ComponentPropsWithoutRef } from 'react';
import type { ExtraProps } from 'react-markdown';
import { CopyButton } from '../copy-button.tsx';
import type { highlightCode } from './highlight-code.ts';
import './code-block.css';

type Highlighter = typeof highlightCode;
type HastNode = NonNullable<ExtraProps['node']>;

let highlighter: Highlighter | undefined;
let loadingHighlighter: Promise<Highlighter> | undefined;

function loadHighlighter(): Promise<Highlighter> {
  loadingHighlighter ??= import('./highlight-code.ts').then((module) => {
    highlighter = module.highlightCode;
    return module.highlightCode;
  });
  return loadingHighlighter;
}

/**
 * A fenced code block of an answer: a header with the fence's language and a Copy button, and
 * the code, highlighted once the highlighter has loaded (plain until then, and for languages it
 * does not know).
 */
export function CodeBlock({ node, ...props }: ComponentPropsWithoutRef<'pre'> & ExtraProps) {
  const codeElement = node?.children.find(
    (child): child is HastNode => child.type === 'element' && child.tagName === 'code',
  );
  // Not a fenced block as markdown makes them: render what was given.
  if (!codeElement) return <pre {...props} />;
  const code = textOf(codeElement);
  const language = languageOf(codeElement);
  return <HighlightedCode code={code} language={language} />;
}

function HighlightedCode({ code, language }: { code: string; language: string }) {
  const [highlight, setHighlight] = useState(() => highlighter);
  useEffect(() => {
    if (highlight || language === '') return;
    let current = true;
    void loadHighlighter().then((loaded) => {
      if (current) setHighlight(() => loaded);
    });
    return () => {
      current = false;
    };
  }, [highlight, language]);
  const highlighted = useMemo(
    () => (highlight && language !== '' ? highlight(code, language) : null),
    [highlight, code, language],
  );

  return (
    <div className="code-block" data-testid="code-block" data-language={language || undefined}>
      <div className="code-block-header">
        <span className="code-language" data-testid="code-language">
          {language}
        </span>
        <CopyButton
          text={() => code.replace(/\n$/, '')}
          accessibleName={language ? `Copy ${language} code` : 'Copy code'}
          testId="copy-code"
        />
      </div>
      <pre>
        <code
          className={language ? `language-${language}` : undefined}
          data-highlighted={highlighted ? 'true' : undefined}
        >
          {highlighted ?? code}
        </code>
      </pre>
    </div>
  );
}

/** `js` from the `language-js` class markdown gives a fence written as ```js. */
function languageOf(element: HastNode): string {
  const classes = element.properties.className;
  const list = Array.isArray(classes) ? classes : [];
  for (const name of list) {
    if (typeof name === 'string' && name.startsWith('language-')) {
      return name.slice('language-'.length).toLowerCase();
    }
  }
  return '';
}

function textOf(node: HastNode | HastNode['children'][number]): string {
  if (node.type === 'text') return node.value;
  if (node.type === 'element') return node.children.map(textOf).join('');
  return '';
}
