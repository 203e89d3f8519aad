import { randomInt, randomUUID } from 'node:crypto';
import { it } from 'node:test';
import type { UIMessage } from 'ai';
import type { ChatStore, StartTurnInput, StoredTurn } from './chat-store.ts';

export interface ChatStoreFixture {
  store: ChatStore;
  /** Closes the store and removes whatever the fixture created; safe after `store.close()`. */
  cleanup: () => Promise<void>;
}

export type CreateChatStore = () => Promise<ChatStoreFixture>;

/**
 * An `it` whose body receives a fresh, isolated store, cleaned up whatever the outcome (of any
 * port: the chat store's suites and the file store's use it).
 */
export function storeTest<Store = ChatStore>(
  createStore: () => Promise<{ store: Store; cleanup: () => Promise<void> }>,
) {
  return (name: string, body: (store: Store) => Promise<void>) =>
    it(name, async () => {
      const fixture = await createStore();
      try {
        await body(fixture.store);
      } finally {
        await fixture.cleanup();
      }
    });
}

export function userMessage(text: string, id: string = randomUUID()): UIMessage {
  return { id, role: 'user', parts: [{ type: 'text', text }] };
}

export function assistantMessage(id: string, text: string): UIMessage {
  return { id, role: 'assistant', parts: [{ type: 'text', text, state: 'done' }] };
}

export function turnInput(sessionId: string, message: UIMessage): StartTurnInput {
  return {
    sessionId,
    userMessage: message,
    turnId: randomUUID(),
    assistantMessageId: randomUUID(),
  };
}

/** Starts a turn and returns it, asserting nothing about creation. */
export async function startedTurn(
  store: ChatStore,
  sessionId: string,
  text = 'hello',
): Promise<StoredTurn> {
  return (await store.startTurn(turnInput(sessionId, userMessage(text)))).turn;
}

export function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** 0–3 ms, or no timer at all, so racing calls interleave differently on each round. */
export function randomDelay(): Promise<void> {
  const milliseconds = randomInt(0, 4);
  return milliseconds === 0 ? Promise.resolve() : pause(milliseconds);
}

/**
 * Timestamps come back as `Date` (millisecond precision); waiting a few milliseconds between two
 * writes makes their order visible in `updatedAt`.
 */
export function tick(): Promise<void> {
  return pause(5);
}
