import type { LanguageModelV4Message } from '@ai-sdk/provider';
import { readAttachedFileText } from './attached-file-text.ts';

/** Longest first line quoted, like the demo's quote of the user's own words. */
const quotedLineLength = 60;

/**
 * `File notes.txt begins: "<its first line>".` for each text file among a user message's parts
 * (the text parts `attachedFileText` wrote), in order, or an empty string without any: how the
 * demo model shows, deterministically, that the files' text reached it.
 */
export function quoteAttachedFiles(
  parts: Extract<LanguageModelV4Message, { role: 'user' }>['content'],
): string {
  return parts
    .flatMap((part) => (part.type === 'text' ? (readAttachedFileText(part.text) ?? []) : []))
    .map((file) => {
      const firstLine = (file.text.split('\n')[0] ?? '').trim().slice(0, quotedLineLength);
      return `File ${file.filename} begins: "${firstLine}".`;
    })
    .join(' ');
}
