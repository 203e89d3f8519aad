import type { UIMessage } from 'ai';

/**
 * Bytes of UTF-8 per estimated token. No tokenizer is at hand for an arbitrary OpenAI-compatible
 * model; real ones average about four bytes per token in English prose and fewer in code and
 * other scripts. Three errs high: a history is cut a little early rather than refused.
 */
const bytesPerToken = 3;

/** What a provider adds per message for its role and separators. */
const messageFramingTokens = 4;

/**
 * Share of the context left free for what the estimates do not see: the tools' definitions, the
 * provider's own framing, and estimates that come out low.
 */
const contextMargin = 0.1;

/**
 * Estimated tokens a turn's history (with its summary) may take: the model's context less the
 * margin, the room for the answer (`maxOutputTokens`: a provider refuses a prompt that leaves
 * less) and the system prompt.
 */
export function historyTokensOf(settings: {
  contextTokens: number;
  maxOutputTokens: number;
  systemPrompt: string;
}): number {
  return (
    Math.floor(settings.contextTokens * (1 - contextMargin)) -
    settings.maxOutputTokens -
    estimateTokens(settings.systemPrompt)
  );
}

/** Estimated tokens of `text` (see `bytesPerToken`). */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / bytesPerToken);
}

/**
 * Estimated tokens of a message as the model reads it: its parts, which carry its text, tool
 * calls with their inputs and outputs, and files.
 */
export function estimateMessageTokens(message: UIMessage): number {
  return messageFramingTokens + estimateTokens(JSON.stringify(message.parts));
}

export function estimateHistoryTokens(messages: readonly UIMessage[]): number {
  let total = 0;
  for (const message of messages) total += estimateMessageTokens(message);
  return total;
}

/**
 * The history cut into exchanges: a user's message (or the server's, an operation's outcome)
 * with the answers that follow it. An exchange is never split: a tool call and its result live
 * in one assistant message, and an answer without its question would mislead the model. Messages
 * before the first question form an exchange of their own.
 */
export function exchangesOf(messages: readonly UIMessage[]): UIMessage[][] {
  const exchanges: UIMessage[][] = [];
  for (const message of messages) {
    const current = exchanges.at(-1);
    if (current === undefined || message.role !== 'assistant') exchanges.push([message]);
    else current.push(message);
  }
  return exchanges;
}

/**
 * Splits the history into the newest whole exchanges whose estimate stays within `budget`
 * (`newer`) and the older ones before them (`older`). The newest exchange is always kept, even
 * alone over the budget: it holds the message being answered.
 */
export function splitToFit(
  messages: readonly UIMessage[],
  budget: number,
): { older: UIMessage[]; newer: UIMessage[] } {
  const exchanges = exchangesOf(messages);
  let kept = 0;
  let used = 0;
  for (let index = exchanges.length - 1; index >= 0; index -= 1) {
    const cost = estimateHistoryTokens(exchanges[index] ?? []);
    if (kept > 0 && used + cost > budget) break;
    used += cost;
    kept += 1;
  }
  const cut = exchanges.length - kept;
  return { older: exchanges.slice(0, cut).flat(), newer: exchanges.slice(cut).flat() };
}
