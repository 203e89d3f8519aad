import type { ChatTransport, UIMessage, UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import { trackTransportActivity } from './track-transport-activity.ts';

function chunkStream(): { stream: ReadableStream<UIMessageChunk>; finish: () => void } {
  let close = () => {};
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      controller.enqueue({ type: 'start' });
      close = () => controller.close();
    },
  });
  return { stream, finish: () => close() };
}

async function drain(stream: ReadableStream<UIMessageChunk>): Promise<void> {
  const reader = stream.getReader();
  while (!(await reader.read()).done);
}

describe('trackTransportActivity', () => {
  it('counts a stream as open from the request until it ends', async () => {
    const counts: number[] = [];
    const source = chunkStream();
    const transport = trackTransportActivity<UIMessage>(
      {
        sendMessages: async () => source.stream,
        reconnectToStream: async () => null,
      },
      (count) => counts.push(count),
    );
    const stream = await transport.sendMessages({
      chatId: 'c',
      messages: [],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    expect(counts).toEqual([1]);
    const drained = drain(stream);
    source.finish();
    await drained;
    expect(counts).toEqual([1, 0]);
  });

  it('counts a cancelled stream, a refused request and an empty resume as ended', async () => {
    const counts: number[] = [];
    const refused = new Error('409');
    const source = chunkStream();
    const base: ChatTransport<UIMessage> = {
      sendMessages: async () => {
        throw refused;
      },
      reconnectToStream: async ({ chatId }) => (chatId === 'running' ? source.stream : null),
    };
    const transport = trackTransportActivity(base, (count) => counts.push(count));

    await expect(
      transport.sendMessages({
        chatId: 'c',
        messages: [],
        trigger: 'submit-message',
        messageId: undefined,
        abortSignal: undefined,
      }),
    ).rejects.toBe(refused);
    expect(await transport.reconnectToStream({ chatId: 'idle' })).toBeNull();
    const stream = await transport.reconnectToStream({ chatId: 'running' });
    await stream?.cancel();
    expect(counts).toEqual([1, 0, 1, 0, 1, 0]);
  });
});
