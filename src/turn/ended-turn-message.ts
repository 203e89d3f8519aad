import type { UIMessageChunk } from 'ai';
import type { UIMessage } from 'ai';
import type { TerminalStatus } from '../registry/stream-registry.ts';
import { foldAssistantMessage } from './fold-assistant-message.ts';

/**
 * What a failed or stopped turn leaves in its assistant message's metadata, so a client that loads
 * the conversation later (a reload, another device) shows an error as an error and a stop as a stop,
 * as a live reader saw them. Completed answers carry no `status`.
 */
export interface EndedTurnMetadata {
  status?: 'failed' | 'cancelled';
  /** The masked text shown to users; only for `failed`. */
  errorText?: string;
}

/**
 * The assistant message to persist for an ended turn: the chunks folded as `useChat` folds them,
 * plus the outcome of a failed or stopped turn. Such a turn is kept even with no parts (it failed
 * before answering, or was stopped while queued): the conversation must show that it happened.
 */
export async function endedTurnMessage(
  chunks: readonly UIMessageChunk[],
  assistantMessageId: string,
  outcome: { status: TerminalStatus; publicErrorText: string },
): Promise<UIMessage | null> {
  const folded = await foldAssistantMessage(chunks, assistantMessageId);
  if (outcome.status === 'completed') return folded;
  const message = folded ?? { id: assistantMessageId, role: 'assistant' as const, parts: [] };
  const metadata: EndedTurnMetadata =
    outcome.status === 'failed'
      ? { status: 'failed', errorText: outcome.publicErrorText }
      : { status: 'cancelled' };
  const previous =
    typeof message.metadata === 'object' && message.metadata !== null ? message.metadata : {};
  return { ...message, metadata: { ...previous, ...metadata } };
}
