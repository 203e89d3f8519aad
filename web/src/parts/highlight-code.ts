import { toJsxRuntime } from 'hast-util-to-jsx-runtime';
import { common, createLowlight } from 'lowlight';
import type { ReactNode } from 'react';
import { Fragment, jsx, jsxs } from 'react/jsx-runtime';

/**
 * Syntax highlighting, loaded only when an answer first shows a code block (code-block.tsx
 * imports this module lazily, so its ~40 languages stay out of the app's first download).
 *
 * lowlight runs highlight.js's grammars and returns a syntax tree instead of an HTML string:
 * the tree becomes React elements, so model output never reaches `innerHTML`.
 */
const lowlight = createLowlight(common);

/**
 * `code` as highlighted React elements (spans with highlight.js's `hljs-*` classes), or null when
 * the language is unknown or missing: guessing a language mislabels short snippets.
 */
export function highlightCode(code: string, language: string): ReactNode | null {
  if (language === '' || !lowlight.registered(language)) return null;
  return toJsxRuntime(lowlight.highlight(language, code), { Fragment, jsx, jsxs });
}
