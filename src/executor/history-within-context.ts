import { generateText, type LanguageModel, type UIMessage } from 'ai';
import type { Logger } from '../logger.ts';
import type { ChatStore } from '../store/chat-store.ts';
import {
  estimateHistoryTokens,
  estimateTokens,
  exchangesOf,
  splitToFit,
} from './context-budget.ts';
import { transcriptOf } from './conversation-transcript.ts';

export interface HistoryWithinContextOptions {
  store: Pick<ChatStore, 'getContextSummary' | 'saveContextSummary'>;
  model: LanguageModel;
  logger: Logger;
  sessionId: string;
  /**
   * Estimated tokens the history and its summary may take: the model's context less the system
   * prompt, the tools and the room kept for the answer (see `historyTokensOf`).
   */
  historyTokens: number;
  abortSignal: AbortSignal;
}

export interface HistoryWithinContext {
  /** What the model reads of the conversation: its newest exchanges, whole. */
  messages: UIMessage[];
  /** What stands for the older messages left out (see `withSummary`), or null. */
  summary: string | null;
}

/** Longest summary, in estimated tokens: enough for the gist, small beside any context. */
const maximumSummaryTokens = 1024;

const summaryInstruction =
  'You summarise the earlier part of a conversation between a user and an assistant, for the ' +
  'assistant to read in its place. Keep what later messages may rely on: facts, names, numbers, ' +
  'decisions, open questions, what tools returned and what the user asked for. Write plain ' +
  'prose, no preamble.';

/**
 * The history a turn's model reads, within `historyTokens`. A history that fits goes whole. One
 * that does not is read as a summary of its older exchanges followed by the newer ones: the
 * session's stored summary while what follows it fits; otherwise a new one, made once by the
 * turn's model from the previous summary and the exchanges it now leaves out, stored for the
 * turns after (a turn keeps half the room for new exchanges, so several turns reuse a summary
 * before the next is needed). Exchanges are never split (`exchangesOf`). When summarising fails
 * the older exchanges are dropped instead. The stored conversation is never touched: the user
 * still sees every message.
 */
export async function historyWithinContext(
  history: UIMessage[],
  options: HistoryWithinContextOptions,
): Promise<HistoryWithinContext> {
  const { historyTokens } = options;
  if (estimateHistoryTokens(history) <= historyTokens) return { messages: history, summary: null };
  const earlier = await storedSummaryOf(history, options);
  if (
    earlier !== null &&
    estimateHistoryTokens(earlier.after) + summaryTokens(earlier.summary) <= historyTokens
  ) {
    return { messages: earlier.after, summary: earlier.summary };
  }
  const unsummarised = earlier?.after ?? history;
  const previous = earlier?.summary ?? null;
  const summaryRoom = Math.min(maximumSummaryTokens, Math.floor(historyTokens / 4));
  const { older, newer } = splitToFit(unsummarised, Math.floor((historyTokens - summaryRoom) / 2));
  const through = older.at(-1);
  if (through === undefined) return { messages: newer, summary: previous };
  const summary = await summarise(previous, older, summaryRoom, options);
  if (summary === null) return { messages: newer, summary: previous };
  await options.store
    .saveContextSummary(options.sessionId, { throughMessageId: through.id, text: summary })
    .catch((error: unknown) => {
      // The turn still reads it; the next one summarises again.
      options.logger.warn({ err: error }, 'could not store the context summary');
    });
  return { messages: newer, summary };
}

/** The system prompt with the summary of the messages the model does not read. */
export function withSummary(systemPrompt: string, summary: string | null): string {
  if (summary === null) return systemPrompt;
  return `${systemPrompt}\n\nThe oldest part of this conversation is not shown; in summary:\n${summary}`;
}

/**
 * The session's stored summary with the messages after it, if it still stands for whole
 * exchanges at the start of this history: the message it ends with is here and opens no
 * exchange of its own, and something follows it. Otherwise (a regenerate or an edit removed that
 * message) null: the summary is stale.
 */
async function storedSummaryOf(
  history: UIMessage[],
  options: HistoryWithinContextOptions,
): Promise<{ summary: string; after: UIMessage[] } | null> {
  const stored = await options.store
    .getContextSummary(options.sessionId)
    .catch((error: unknown) => {
      options.logger.warn({ err: error }, 'could not read the context summary');
      return null;
    });
  if (stored === null) return null;
  const through = history.findIndex((message) => message.id === stored.throughMessageId);
  const next = history[through + 1];
  if (through === -1 || next === undefined || next.role === 'assistant') return null;
  return { summary: stored.text, after: history.slice(through + 1) };
}

function summaryTokens(summary: string): number {
  return estimateTokens(withSummary('', summary));
}

/**
 * A summary of the previous one and `messages`, by the turn's model, within `maxTokens`; null if
 * the model fails. What the call can read is bounded by the same budget: the newest exchanges
 * that fit go in, older ones are left out of the new summary.
 */
async function summarise(
  previous: string | null,
  messages: UIMessage[],
  maxTokens: number,
  options: HistoryWithinContextOptions,
): Promise<string | null> {
  const room =
    options.historyTokens -
    maxTokens -
    estimateTokens(summaryInstruction) -
    (previous === null ? 0 : estimateTokens(previous));
  const { older, newer } = splitToFit(messages, room);
  const parts = [
    previous === null ? '' : `Summary so far:\n${previous}`,
    older.length === 0 ? '' : `(${exchangesOf(older).length} earlier exchanges are left out.)`,
    `Conversation to summarise:\n${transcriptOf(newer)}`,
  ];
  try {
    const { text } = await generateText({
      model: options.model,
      system: summaryInstruction,
      prompt: parts.filter((part) => part !== '').join('\n\n'),
      maxOutputTokens: maxTokens,
      abortSignal: options.abortSignal,
    });
    return text.trim() === '' ? null : text.trim();
  } catch (error) {
    if (!options.abortSignal.aborted) {
      options.logger.warn(
        { err: error },
        'could not summarise the history; its oldest part is left out',
      );
    }
    return null;
  }
}
