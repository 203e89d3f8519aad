import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { UIMessageChunk } from 'ai';
import { pino } from 'pino';
import { createMetrics } from '../metrics.ts';
import { MemoryStreamRegistry } from '../registry/memory-stream-registry.ts';
import type { ReadEvent } from '../registry/stream-registry.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { createPgliteSqlClient } from '../store/pglite-sql-client.ts';
import { SqlChatStore } from '../store/sql-chat-store.ts';
import { endTurn, type EndTurnDependencies } from './end-turn.ts';
import { turnOutcomes } from './turn-outcomes.ts';

describe('ending a turn whose closer wrote its whole log', () => {
  let store: ChatStore;
  let registry: MemoryStreamRegistry;
  let dependencies: EndTurnDependencies;
  before(async () => {
    store = await SqlChatStore.open(await createPgliteSqlClient({}));
    registry = new MemoryStreamRegistry({ finishedTurnTtlMs: 60_000 });
    dependencies = { store, registry, logger: pino({ level: 'silent' }), metrics: createMetrics() };
  });
  after(async () => {
    await registry.close();
    await store.close();
  });

  /** A running turn whose writer appended `appended`. */
  async function runningTurn(appended: UIMessageChunk[]) {
    const session = await store.createSession({ userId: null });
    const turn = { turnId: randomUUID(), sessionId: session.id, assistantMessageId: randomUUID() };
    const userMessage = {
      id: randomUUID(),
      role: 'user' as const,
      parts: [{ type: 'text' as const, text: 'hello' }],
    };
    assert.ok(
      (await registry.openTurn({ ...turn, userId: null, userMessageId: userMessage.id })).opened,
    );
    await store.startTurn({ ...turn, userMessage });
    await registry.append(turn.turnId, appended);
    return turn;
  }

  async function readAll(turnId: string): Promise<ReadEvent[]> {
    const events: ReadEvent[] = [];
    for await (const event of registry.read(turnId, { after: 0 })) events.push(event);
    return events;
  }

  it('publishes the unpublished rest with the terminal event, and persists all of it', async () => {
    const appended: UIMessageChunk[] = [
      { type: 'start', messageId: 'placeholder' },
      { type: 'text-start', id: 't' },
    ];
    const turn = await runningTurn(appended);
    appended[0] = { type: 'start', messageId: turn.assistantMessageId };
    const unpublished: UIMessageChunk[] = [
      { type: 'text-delta', id: 't', delta: 'the last words' },
      { type: 'text-end', id: 't' },
      { type: 'finish' },
    ];
    assert.equal(
      await endTurn(dependencies, turn, turnOutcomes.completed, { appended, unpublished }),
      true,
    );
    const events = await readAll(turn.turnId);
    assert.deepEqual(
      events.map((event) => (event.type === 'chunk' ? event.chunk.type : event.type)),
      ['start', 'text-start', 'text-delta', 'text-end', 'finish', 'end'],
    );
    assert.deepEqual(events.at(-1), { type: 'end', status: 'completed', error: null });
    const answer = (await store.listMessages(turn.sessionId)).at(-1);
    assert.equal(answer?.id, turn.assistantMessageId);
    assert.deepEqual(
      answer?.parts.filter((part) => part.type === 'text').map((part) => part.text),
      ['the last words'],
    );
    assert.equal((await store.getTurn(turn.turnId))?.status, 'completed');
  });

  it('drops the unpublished rest when another party ended the turn first', async () => {
    const turn = await runningTurn([{ type: 'start', messageId: 'm' }]);
    assert.equal(await registry.claimClose(turn.turnId, 'cancelled'), true);
    await registry.publishClose(turn.turnId, []);
    const ended = await endTurn(dependencies, turn, turnOutcomes.completed, {
      appended: [{ type: 'start', messageId: 'm' }],
      unpublished: [{ type: 'text-start', id: 't' }],
    });
    assert.equal(ended, false);
    assert.deepEqual(
      (await registry.readAll(turn.turnId)).map((entry) => entry.chunk.type),
      ['start'],
    );
  });
});
