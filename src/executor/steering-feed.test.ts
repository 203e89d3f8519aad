import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { experimental_createSteering as createSteering, type UIMessage } from 'ai';
import { pino } from 'pino';
import type { ChatStore, PendingMessage } from '../store/chat-store.ts';
import { SteeringFeed } from './steering-feed.ts';

describe('SteeringFeed', () => {
  it('hands over what an async toModel makes of a follow-up, and shows it as sent with what toModel added', async () => {
    const seen: UIMessage[] = [];
    const feed = new SteeringFeed({
      // `handOver` is given the waiting messages: the store is not read.
      store: {} as ChatStore,
      sessionId: 'session',
      steering: createSteering(),
      logger: pino({ level: 'silent' }),
      toModel: async (message) => {
        seen.push(message);
        await new Promise((resolve) => setImmediate(resolve));
        return {
          ...message,
          parts: [
            { type: 'text', text: 'the file, read' },
            { type: 'text', text: 'and this' },
            { type: 'text', text: '[Context] a page' },
          ],
        };
      },
    });
    const sent: UIMessage = {
      id: 'follow-up',
      role: 'user',
      parts: [
        { type: 'file', mediaType: 'text/plain', filename: 'a.txt', url: '/api/chat/files/a' },
        { type: 'text', text: 'and this' },
      ],
    };
    await feed.handOver([
      { sessionId: 'session', message: sent, mode: 'steer', createdAt: new Date() },
    ]);
    await feed.handOver([
      { sessionId: 'session', message: sent, mode: 'steer', createdAt: new Date() },
    ]);
    assert.deepEqual(seen, [sent], 'each follow-up is read once');
    assert.deepEqual(
      feed.asSent({
        type: 'steering-message',
        id: 'follow-up',
        parts: [{ type: 'text', text: 'the file, read' }],
      }),
      {
        type: 'steering-message',
        id: 'follow-up',
        parts: [...sent.parts, { type: 'text', text: '[Context] a page' }],
      },
    );
    const other = { type: 'steering-message' as const, id: 'unknown', parts: [] };
    assert.equal(feed.asSent(other), other);
    const text = { type: 'text-delta' as const, id: 't', delta: 'x' };
    assert.equal(feed.asSent(text), text);
  });

  it('reads the store at a step end only when a follow-up was counted since the last read', async () => {
    let counted = 0;
    let storeReads = 0;
    let failNextRead = false;
    const waiting: PendingMessage[] = [];
    const steering = createSteering();
    const feed = new SteeringFeed({
      store: {
        listPendingMessages: async () => {
          storeReads += 1;
          if (failNextRead) {
            failNextRead = false;
            throw new Error('the store is down');
          }
          return waiting;
        },
      } as unknown as ChatStore,
      sessionId: 'session',
      steering,
      logger: pino({ level: 'silent' }),
      countFollowUps: async () => counted,
    });
    await feed.pull();
    assert.equal(storeReads, 0, 'nothing counted: no read');
    const message: UIMessage = { id: 'm1', role: 'user', parts: [{ type: 'text', text: 'also' }] };
    waiting.push({ sessionId: 'session', message, mode: 'steer', createdAt: new Date() });
    counted = 1;
    failNextRead = true;
    await feed.pull();
    assert.equal(storeReads, 1);
    await feed.pull();
    assert.equal(storeReads, 2, 'after a failed read the next step reads again');
    await feed.pull();
    assert.equal(storeReads, 2, 'read once per count');
    assert.deepEqual(
      feed.asSent({ type: 'steering-message', id: 'm1', parts: [] }),
      { type: 'steering-message', id: 'm1', parts: message.parts },
      'the counted follow-up was handed over',
    );
  });

  it('reads the store when the count cannot be read', async () => {
    let storeReads = 0;
    const feed = new SteeringFeed({
      store: {
        listPendingMessages: async () => {
          storeReads += 1;
          return [];
        },
      } as unknown as ChatStore,
      sessionId: 'session',
      steering: createSteering(),
      logger: pino({ level: 'silent' }),
      countFollowUps: () => Promise.reject(new Error('the registry is down')),
    });
    await feed.pull();
    await feed.pull();
    assert.equal(storeReads, 2);
  });
});
