import type { LeaseResult, StreamRegistry } from '../registry/stream-registry.ts';

export interface HeldLease {
  result: LeaseResult;
  /** Fires when the lease was lost (another party ended or took the turn): stop working on it. */
  lost: AbortSignal;
  /** Stops refreshing; the turn's end makes the lease irrelevant. */
  release(): void;
}

/**
 * Takes the turn's lease and keeps refreshing it at a third of its TTL while the turn runs, so
 * an executor that dies (SIGKILL, lost network) lets its lease lapse within one TTL and the
 * sweeper or a redelivery ends the turn. A refresh that errors (Redis blip) is retried on the next
 * tick; only an explicit refusal means the lease is gone.
 */
export async function holdLease(
  registry: StreamRegistry,
  turnId: string,
  owner: string,
  ttlMs: number,
): Promise<HeldLease> {
  const lost = new AbortController();
  const result = await registry.acquireLease(turnId, owner, ttlMs);
  if (result !== 'acquired') return { result, lost: lost.signal, release: () => undefined };
  const timer = setInterval(
    () => {
      registry.refreshLease(turnId, owner, ttlMs).then(
        (kept) => {
          if (!kept) lost.abort('lease lost');
        },
        () => undefined,
      );
    },
    Math.max(10, Math.floor(ttlMs / 3)),
  );
  return {
    result,
    lost: lost.signal,
    release: () => clearInterval(timer),
  };
}
