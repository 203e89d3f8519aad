import { randomUUID } from 'node:crypto';
import { type TestOptions, test } from 'node:test';
import type { TurnJob, TurnQueue } from './turn-queue.ts';

/** Builds a fresh, isolated queue (its own queue names); `cleanup` also works after `close()`. */
export type TurnQueueFactory = () => Promise<{ queue: TurnQueue; cleanup: () => Promise<void> }>;

/** A contract test that fails after a bound instead of hanging on a job that never arrives. */
export function contractTest(
  name: string,
  body: () => Promise<void>,
  options: TestOptions = {},
): void {
  test(name, { timeout: 20_000, ...options }, body);
}

export async function withQueue<T>(
  create: TurnQueueFactory,
  body: (queue: TurnQueue) => Promise<T>,
): Promise<T> {
  const { queue, cleanup } = await create();
  try {
    return await body(queue);
  } finally {
    await cleanup();
  }
}

export function newJob(overrides: Partial<TurnJob> = {}): TurnJob {
  const id = randomUUID();
  return {
    turnId: `turn-${id}`,
    sessionId: `session-${id}`,
    userId: `user-${id}`,
    userMessageId: `user-message-${id}`,
    assistantMessageId: `assistant-message-${id}`,
    enqueuedAt: Date.now(),
    ...overrides,
  };
}

/** Counts deliveries per turn id, so duplicates and losses both show. */
export class DeliveryLog {
  readonly order: string[] = [];
  readonly #counts = new Map<string, number>();

  record(turnId: string): void {
    this.order.push(turnId);
    this.#counts.set(turnId, (this.#counts.get(turnId) ?? 0) + 1);
  }

  count(turnId: string): number {
    return this.#counts.get(turnId) ?? 0;
  }

  get total(): number {
    return this.order.length;
  }
}
