import type { Nodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

/**
 * The first line of text a reader sees when `markdown` is rendered: markup (emphasis, headings,
 * code marks, link targets, list markers, quotes, tables, inline HTML) gone, words kept. Empty
 * when the rendered text has no words (only a rule, an HTML block, a link definition…).
 */
export function firstRenderedLine(markdown: string): string {
  return firstLineOf(fromMarkdown(markdown, gfmOptions));
}

/**
 * Built once: the extensions are static tables (every parse keeps its own state), and building
 * them took about a third of each call, which runs on every message a user sends.
 */
const gfmOptions = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] };

function firstLineOf(node: Nodes): string {
  if (isTextBlock(node)) {
    const lines = plainText(node).split('\n');
    return lines.map(collapseSpaces).find((line) => line !== '') ?? '';
  }
  if ('children' in node) {
    for (const child of node.children) {
      const line = firstLineOf(child);
      if (line !== '') return line;
    }
  }
  return '';
}

/** Blocks whose content reads as text: their lines are the lines a reader sees. */
function isTextBlock(node: Nodes): boolean {
  return (
    node.type === 'paragraph' ||
    node.type === 'heading' ||
    node.type === 'code' ||
    node.type === 'tableRow'
  );
}

function plainText(node: Nodes): string {
  switch (node.type) {
    case 'text':
    case 'inlineCode':
    case 'code':
      return node.value;
    case 'break':
      return '\n';
    case 'image':
    case 'imageReference':
      return node.alt ?? '';
    case 'tableRow':
      return node.children.map(plainText).join(' ');
    case 'html':
    case 'footnoteReference':
      return '';
    default:
      return 'children' in node ? node.children.map(plainText).join('') : '';
  }
}

function collapseSpaces(line: string): string {
  return line.replace(/\s+/g, ' ').trim();
}
