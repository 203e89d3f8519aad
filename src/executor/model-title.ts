import { generateText, type LanguageModel, type UIMessage } from 'ai';
import type { Logger } from '../logger.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { titleFromMessage } from '../turn/title-from-message.ts';

/** Longest title, in characters: what the sidebar shows on one line. */
export const maximumTitleChars = 50;

/** How long the title may take (the turn's end waits for it): past it the first line stays. */
const titleTimeoutMs = 5_000;

const titleInstruction =
  `You name conversations. Reply with a title of at most ${maximumTitleChars} characters for ` +
  'the conversation you are shown: plain words, no quotes, no trailing period.';

export interface ModelTitleOptions {
  store: Pick<ChatStore, 'replaceTitle'>;
  model: LanguageModel;
  logger: Logger;
  sessionId: string;
  abortSignal: AbortSignal;
}

/**
 * Titles a session by its first exchange, with the model that answered it: once, after the first
 * answer. The session carries the title of its first line meanwhile (set with the message), and
 * keeps it when the model fails, is too slow or returns nothing usable, and whenever the user
 * renamed it first (the store replaces only that first-line title). Never rejects.
 */
export async function titleSessionByModel(
  question: UIMessage,
  answer: string,
  options: ModelTitleOptions,
): Promise<void> {
  const firstLineTitle = titleFromMessage(question);
  if (firstLineTitle === '' || answer.trim() === '') return;
  try {
    const { text } = await generateText({
      model: options.model,
      system: titleInstruction,
      prompt: `User: ${firstLineTitle}\n\nAssistant: ${answer.slice(0, 2_000)}`,
      maxOutputTokens: 32,
      // Best effort: the turn's end waits for it, and the first-line title is a fine fallback.
      maxRetries: 0,
      abortSignal: AbortSignal.any([options.abortSignal, AbortSignal.timeout(titleTimeoutMs)]),
    });
    const title = cleanTitle(text);
    if (title === '' || title === firstLineTitle) return;
    await options.store.replaceTitle(options.sessionId, firstLineTitle, title);
  } catch (error) {
    options.logger.warn({ err: error }, 'could not title the session; its first line stays');
  }
}

/**
 * The model's reply as a title: its first non-empty line, without the quotes, markdown marks,
 * a `Title:` label or the trailing period models add anyway, at most `maximumTitleChars`
 * characters, cut at a word.
 */
export function cleanTitle(reply: string): string {
  const line =
    reply
      .split('\n')
      .map((candidate) => candidate.trim())
      .find((candidate) => candidate !== '') ?? '';
  const bare = line
    .replace(/^title\s*:\s*/i, '')
    .replace(/^[#*_`"'“”‘’\s]+|[*_`"'“”‘’.\s]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (bare.length <= maximumTitleChars) return bare;
  const cut = bare.slice(0, maximumTitleChars - 1);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > 20 ? cut.slice(0, lastSpace) : cut).trimEnd()}…`;
}
