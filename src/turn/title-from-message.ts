import type { UIMessage } from 'ai';
import { firstRenderedLine } from './markdown-plain-text.ts';

/**
 * A title from the first message: the first line a reader sees once its markdown is rendered
 * (plain text, no `**`, `#` or link targets), at most 50 characters, cut at a word.
 */
export function titleFromMessage(message: UIMessage): string {
  const text = message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
  const line =
    firstRenderedLine(text) || (text.trim().split('\n')[0]?.replace(/\s+/g, ' ').trim() ?? '');
  if (line.length <= 50) return line;
  const cut = line.slice(0, 49);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > 20 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
