import { Chat } from '@ai-sdk/react';
import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import { readMessageOutcome } from './message-outcome.ts';
import { withTurnOutcomeMetadata } from './with-turn-outcome-metadata.ts';

/** A transport that answers every request with these chunks, as the server would stream them. */
function replying(chunks: UIMessageChunk[]): ChatTransport<UIMessage> {
  const stream = () =>
    new ReadableStream<UIMessageChunk>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
  return {
    resumeStreamIsReplay: true,
    sendMessages: async () => stream(),
    reconnectToStream: async () => stream(),
  };
}

const partialAnswer: UIMessageChunk[] = [
  { type: 'start', messageId: 'answer-1' },
  { type: 'start-step' },
  { type: 'text-start', id: 't1' },
  { type: 'text-delta', id: 't1', delta: 'Half an ' },
];

/** What `useChat` ends up with for one sent message, through the wrapped transport. */
async function answerTo(chunks: UIMessageChunk[], trigger: 'send' | 'resume' = 'send') {
  const chat = new Chat<UIMessage>({
    id: 'session-1',
    transport: withTurnOutcomeMetadata(replying(chunks)),
  });
  if (trigger === 'send') await chat.sendMessage({ text: 'Hello' });
  else await chat.resumeStream();
  const answer = chat.messages.at(-1);
  return { chat, answer, outcome: readMessageOutcome(answer?.metadata) };
}

describe('withTurnOutcomeMetadata', () => {
  it('marks an answer the server stopped as cancelled, keeping its partial text, without an error', async () => {
    const { chat, answer, outcome } = await answerTo([
      ...partialAnswer,
      { type: 'abort', reason: 'stopped by the user' },
    ]);
    expect(answer?.id).toBe('answer-1');
    expect(answer?.parts.some((part) => part.type === 'text' && part.text === 'Half an ')).toBe(
      true,
    );
    expect(outcome.status).toBe('stopped');
    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
  });

  it('marks an answer that failed as failed with the error text the server sent', async () => {
    const { chat, outcome } = await answerTo([
      ...partialAnswer,
      { type: 'error', errorText: 'The model is temporarily unavailable.' },
    ]);
    expect(outcome.status).toBe('failed');
    expect(outcome.errorText).toBe('The model is temporarily unavailable.');
    expect(chat.status).toBe('error');
    expect(chat.error?.message).toBe('The model is temporarily unavailable.');
  });

  it('keeps a failure before any answer visible as a failed assistant message', async () => {
    const { answer, outcome } = await answerTo([
      { type: 'start', messageId: 'answer-2' },
      { type: 'error', errorText: 'Something went wrong.' },
    ]);
    expect(answer?.role).toBe('assistant');
    expect(outcome.status).toBe('failed');
  });

  it('leaves a completed answer and its usage metadata as they are', async () => {
    const usage = { inputTokens: 3, outputTokens: 5, totalTokens: 8 };
    const { outcome, answer } = await answerTo([
      ...partialAnswer,
      { type: 'text-end', id: 't1' },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'stop', messageMetadata: { usage } },
    ]);
    expect(outcome).toEqual({ status: 'completed', usage });
    expect(answer?.metadata).toEqual({ usage });
  });

  it('marks a stop seen while re-attaching to a running turn the same way', async () => {
    const { outcome } = await answerTo([...partialAnswer, { type: 'abort' }], 'resume');
    expect(outcome.status).toBe('stopped');
  });

  it('passes "nothing to resume" through as null', async () => {
    const transport = withTurnOutcomeMetadata<UIMessage>({
      sendMessages: async () => new ReadableStream(),
      reconnectToStream: async () => null,
    });
    expect(await transport.reconnectToStream({ chatId: 'session-1' })).toBeNull();
  });
});
