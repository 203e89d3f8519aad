import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { UIMessageChunk } from 'ai';
import { createLogger } from '../logger.ts';
import { createMetrics } from '../metrics.ts';
import { MemoryStreamRegistry } from '../registry/memory-stream-registry.ts';
import { createTurnStreamResponse } from './turn-stream-response.ts';

const deltas = (count: number): UIMessageChunk[] =>
  Array.from({ length: count }, (_, index) => ({
    type: 'text-delta' as const,
    id: 't',
    delta: `word${index} `,
  }));

describe('createTurnStreamResponse', () => {
  let registry: MemoryStreamRegistry;
  let turnId: string;
  beforeEach(async () => {
    registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000 });
    turnId = randomUUID();
    await registry.openTurn({
      turnId,
      sessionId: randomUUID(),
      userId: null,
      userMessageId: 'u',
      assistantMessageId: 'm',
    });
  });
  afterEach(() => registry.close());

  const respond = () =>
    createTurnStreamResponse({
      registry,
      metrics: createMetrics(),
      logger: createLogger('silent'),
      turnId,
      after: 0,
      heartbeatIntervalMs: 60_000,
    });

  it('sends the events that arrive in one turn of the event loop in one write', async () => {
    const reader = (respond().body as ReadableStream<Uint8Array>).getReader();
    await registry.append(turnId, [{ type: 'start', messageId: 'm' }]);
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.equal(first, `id: ${turnId}:1\ndata: {"type":"start","messageId":"m"}\n\n`);
    await registry.append(turnId, [{ type: 'text-start', id: 't' }]);
    await registry.append(turnId, deltas(3));
    const second = new TextDecoder().decode((await reader.read()).value);
    assert.deepEqual(second.split('\n\n').filter(Boolean), [
      `id: ${turnId}:2\ndata: {"type":"text-start","id":"t"}`,
      `id: ${turnId}:3\ndata: {"type":"text-delta","id":"t","delta":"word0 "}`,
      `id: ${turnId}:4\ndata: {"type":"text-delta","id":"t","delta":"word1 "}`,
      `id: ${turnId}:5\ndata: {"type":"text-delta","id":"t","delta":"word2 "}`,
    ]);
    await reader.cancel();
  });

  it('writes everything still pending before the stream ends with [DONE]', async () => {
    const response = respond();
    await registry.append(turnId, deltas(2));
    assert.equal(await registry.claimClose(turnId, 'completed'), true);
    await registry.publishClose(turnId, [{ type: 'finish' }]);
    const body = await response.text();
    assert.deepEqual(body.split('\n\n').filter(Boolean), [
      `id: ${turnId}:1\ndata: {"type":"text-delta","id":"t","delta":"word0 "}`,
      `id: ${turnId}:2\ndata: {"type":"text-delta","id":"t","delta":"word1 "}`,
      `id: ${turnId}:3\ndata: {"type":"finish"}`,
      'data: [DONE]',
    ]);
  });
});
