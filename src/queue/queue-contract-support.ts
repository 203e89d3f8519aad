import { randomUUID } from 'node:crypto';
import { type TestContext, type TestOptions, test } from 'node:test';
import type { OperationCompletion, TurnJob, TurnQueue } from './turn-queue.ts';

export interface TurnQueueUnderTest {
  queue: TurnQueue;
  /**
   * Another instance on the SAME underlying queue and cancel exchange, as a second process
   * would have, ready to hear cancels when it resolves. Without it the cross-instance cases are
   * skipped with a reason.
   */
  createPeer?: () => Promise<TurnQueue>;
  /**
   * Publishes raw bytes where services publish operation completions, as a faulty service
   * would. Required of adapters run with `wire` (see `runTurnQueueContract`).
   */
  publishRawCompletion?: (content: string) => Promise<void>;
  /** Closes the queue and every peer, then removes what the test created; works after `close()`. */
  cleanup: () => Promise<void>;
}

/** Builds a fresh, isolated queue (its own queue names). */
export type TurnQueueFactory = () => Promise<TurnQueueUnderTest>;

/** A contract test that fails after a bound instead of hanging on a job that never arrives. */
export function contractTest(
  name: string,
  body: (context: TestContext) => Promise<void>,
  options: TestOptions = {},
): void {
  test(name, { timeout: 20_000, ...options }, body);
}

export async function withQueue<T>(
  create: TurnQueueFactory,
  body: (queue: TurnQueue, underTest: TurnQueueUnderTest) => Promise<T>,
): Promise<T> {
  const underTest = await create();
  try {
    return await body(underTest.queue, underTest);
  } finally {
    await underTest.cleanup();
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

export function newCompletion(overrides: Partial<OperationCompletion> = {}): OperationCompletion {
  return {
    operationId: `operation-${randomUUID()}`,
    success: true,
    result: { report: 'done', lines: [1, 2, 3] },
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
