import type { UIMessageChunk } from 'ai';
import {
  CursorOutOfRangeError,
  isTerminal,
  type LeaseResult,
  NotTerminalStatusError,
  openedTurnRecord,
  type OpenTurnInput,
  type OpenTurnResult,
  type PositionedChunk,
  type ReadEvent,
  type ReadOptions,
  RegistryClosedError,
  type StreamRegistry,
  type TerminalStatus,
  TurnExistsError,
  TurnNotClosingError,
  TurnNotFoundError,
  type TurnRecord,
} from './stream-registry.ts';

export interface MemoryStreamRegistryOptions {
  /** How long a finished turn stays readable after its terminal event. */
  finishedTurnTtlMs: number;
  /** Clock for `createdAt`, `closedAt` and expiry; defaults to `Date.now`. */
  now?: () => number;
}

interface TurnEntry {
  record: TurnRecord;
  /** `chunks[i]` has position `i + 1`. */
  chunks: UIMessageChunk[];
  /** Wake-ups of readers that have caught up; each one unregisters itself when called. */
  waiters: Set<() => void>;
  expiresAt: number | null;
  /** See `StreamRegistry.noteFollowUp`. */
  followUps: number;
}

/**
 * The embedded StreamRegistry: one process, everything in a Map. Every method runs to completion
 * without awaiting, so each one is atomic and a reader cannot miss a chunk between its replay and
 * its wait. Chunks are copied on append (like a serialising adapter) and the copies are shared by
 * all readers, which must treat them as read-only.
 *
 * Finished turns expire `finishedTurnTtlMs` after their terminal event: on access (by the clock)
 * and by one unref'd sweep timer, which exists only while some finished turn is waiting to expire.
 */
export class MemoryStreamRegistry implements StreamRegistry {
  readonly #turns = new Map<string, TurnEntry>();
  readonly #activeTurnIdBySession = new Map<string, string>();
  readonly #locks = new Map<string, { owner: string; expiresAt: number }>();
  /** Finished turns in closing order, which is also their expiry order (the TTL is constant). */
  readonly #expiring = new Map<string, number>();
  readonly #finishedTurnTtlMs: number;
  readonly #now: () => number;
  #sweepTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(options: MemoryStreamRegistryOptions) {
    if (!(options.finishedTurnTtlMs > 0)) {
      throw new RangeError('finishedTurnTtlMs must be a positive number of milliseconds');
    }
    this.#finishedTurnTtlMs = options.finishedTurnTtlMs;
    this.#now = options.now ?? Date.now;
  }

  async openTurn(input: OpenTurnInput): Promise<OpenTurnResult> {
    this.#assertOpen();
    const activeTurnId = this.#activeTurnIdBySession.get(input.sessionId);
    const active = activeTurnId === undefined ? undefined : this.#turns.get(activeTurnId);
    if (active) return { opened: false, activeTurn: { ...active.record } };
    if (this.#lookup(input.turnId)) throw new TurnExistsError(input.turnId);
    const createdAt = this.#now();
    const record = openedTurnRecord(
      input,
      createdAt,
      input.enqueueTimeoutMs === undefined ? null : createdAt + input.enqueueTimeoutMs,
    );
    this.#turns.set(input.turnId, {
      record,
      chunks: [],
      waiters: new Set(),
      expiresAt: null,
      followUps: 0,
    });
    this.#activeTurnIdBySession.set(input.sessionId, input.turnId);
    return { opened: true, turn: { ...record } };
  }

  async append(turnId: string, chunks: readonly UIMessageChunk[]): Promise<number | null> {
    this.#assertOpen();
    const entry = this.#lookup(turnId);
    if (entry?.record.status !== 'running') return null;
    this.#push(entry, copyChunks(chunks));
    return entry.record.lastPosition;
  }

  async claimClose(
    turnId: string,
    status: TerminalStatus,
    error: string | null = null,
  ): Promise<boolean> {
    this.#assertOpen();
    if (!isTerminal(status)) throw new NotTerminalStatusError(String(status));
    const entry = this.#lookup(turnId);
    if (entry?.record.status !== 'running') return false;
    entry.record.status = 'closing';
    entry.record.closingAt = this.#now();
    entry.record.closingStatus = status;
    entry.record.error = error;
    return true;
  }

  async publishClose(turnId: string, chunks: readonly UIMessageChunk[]): Promise<void> {
    this.#assertOpen();
    const entry = this.#lookup(turnId);
    if (!entry) throw new TurnNotFoundError(turnId);
    const { record } = entry;
    if (record.status !== 'closing' || record.closingStatus === null) {
      throw new TurnNotClosingError(turnId);
    }
    const copies = copyChunks(chunks);
    record.status = record.closingStatus;
    record.closedAt = this.#now();
    if (this.#activeTurnIdBySession.get(record.sessionId) === turnId) {
      this.#activeTurnIdBySession.delete(record.sessionId);
    }
    entry.expiresAt = record.closedAt + this.#finishedTurnTtlMs;
    this.#expiring.set(turnId, entry.expiresAt);
    this.#scheduleSweep();
    // Pushing last wakes the readers once, with the trailing chunks and the terminal status.
    this.#push(entry, copies);
  }

  read(turnId: string, options: ReadOptions): AsyncIterable<ReadEvent> {
    return this.#readEvents(turnId, options.after, options.signal);
  }

  async readAll(turnId: string): Promise<PositionedChunk[]> {
    this.#assertOpen();
    const entry = this.#lookup(turnId);
    if (!entry) throw new TurnNotFoundError(turnId);
    return entry.chunks.map((chunk, index) => ({ position: index + 1, chunk }));
  }

  async getTurn(turnId: string): Promise<TurnRecord | null> {
    this.#assertOpen();
    const entry = this.#lookup(turnId);
    return entry ? { ...entry.record } : null;
  }

  async getActiveTurn(sessionId: string): Promise<TurnRecord | null> {
    this.#assertOpen();
    const turnId = this.#activeTurnIdBySession.get(sessionId);
    const entry = turnId === undefined ? undefined : this.#turns.get(turnId);
    return entry ? { ...entry.record } : null;
  }

  async confirmTurn(turnId: string): Promise<boolean> {
    this.#assertOpen();
    const record = this.#lookup(turnId)?.record;
    if (record?.status !== 'running') return false;
    record.enqueueDeadline = null;
    return true;
  }

  async requestCancel(turnId: string): Promise<boolean> {
    this.#assertOpen();
    const entry = this.#lookup(turnId);
    if (!entry || isTerminal(entry.record.status)) return false;
    entry.record.cancelRequested = true;
    return true;
  }

  async noteFollowUp(turnId: string): Promise<boolean> {
    this.#assertOpen();
    const entry = this.#lookup(turnId);
    if (!entry || isTerminal(entry.record.status)) return false;
    entry.followUps += 1;
    return true;
  }

  async countFollowUps(turnId: string): Promise<number> {
    this.#assertOpen();
    return this.#lookup(turnId)?.followUps ?? 0;
  }

  async acquireLease(turnId: string, owner: string, ttlMs: number): Promise<LeaseResult> {
    this.#assertOpen();
    const record = this.#lookup(turnId)?.record;
    if (record?.status !== 'running') return 'not-running';
    if (record.cancelRequested) return 'cancel-requested';
    const now = this.#now();
    if (record.leaseOwner !== null && record.leaseOwner !== owner) {
      return (record.leaseExpiresAt ?? 0) > now ? 'held' : 'expired';
    }
    record.leaseOwner = owner;
    record.leaseExpiresAt = now + ttlMs;
    return 'acquired';
  }

  async refreshLease(turnId: string, owner: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    const record = this.#lookup(turnId)?.record;
    if (record?.status !== 'running' || record.leaseOwner !== owner) return false;
    record.leaseExpiresAt = this.#now() + ttlMs;
    return true;
  }

  async listActiveTurnIds(): Promise<string[]> {
    this.#assertOpen();
    return [...this.#activeTurnIdBySession.values()];
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    const now = this.#now();
    const held = this.#locks.get(name);
    if (held && held.owner !== owner && held.expiresAt > now) return false;
    this.#locks.set(name, { owner, expiresAt: now + ttlMs });
    return true;
  }

  /** Forgets every turn, stops the sweep timer and makes waiting readers reject. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#sweepTimer) clearTimeout(this.#sweepTimer);
    this.#sweepTimer = null;
    const entries = [...this.#turns.values()];
    this.#turns.clear();
    this.#activeTurnIdBySession.clear();
    this.#locks.clear();
    this.#expiring.clear();
    for (const entry of entries) wake(entry);
  }

  /** Turns held in memory and readers parked waiting for a chunk (gauges; leak checks in tests). */
  stats(): { turns: number; waitingReaders: number } {
    let waitingReaders = 0;
    for (const entry of this.#turns.values()) waitingReaders += entry.waiters.size;
    return { turns: this.#turns.size, waitingReaders };
  }

  async *#readEvents(
    turnId: string,
    after: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<ReadEvent> {
    if (signal?.aborted) return;
    this.#assertOpen();
    // The reader keeps this entry, so it can finish even if the turn expires while it reads.
    const entry = this.#lookup(turnId);
    if (!entry) throw new TurnNotFoundError(turnId);
    if (!Number.isInteger(after) || after < 0 || after > entry.record.lastPosition) {
      throw new CursorOutOfRangeError(turnId, after);
    }
    let delivered = after;
    // One abort listener for the whole read, not one per wait: a reader waits once per chunk.
    let stopWaiting: (() => void) | null = null;
    const onAbort = () => stopWaiting?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal?.aborted) {
        const chunk = entry.chunks[delivered];
        if (chunk !== undefined) {
          delivered += 1;
          yield { type: 'chunk', position: delivered, chunk };
          continue;
        }
        const { status, error } = entry.record;
        if (isTerminal(status)) {
          yield { type: 'end', status, error };
          return;
        }
        this.#assertOpen();
        await new Promise<void>((resolve) => {
          const done = () => {
            entry.waiters.delete(done);
            stopWaiting = null;
            resolve();
          };
          stopWaiting = done;
          entry.waiters.add(done);
        });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #push(entry: TurnEntry, copies: readonly UIMessageChunk[]): void {
    for (const copy of copies) entry.chunks.push(copy);
    entry.record.lastPosition = entry.chunks.length;
    wake(entry);
  }

  /** The entry of a turn that exists and has not expired by the clock; drops an expired one. */
  #lookup(turnId: string): TurnEntry | undefined {
    const entry = this.#turns.get(turnId);
    if (entry !== undefined && entry.expiresAt !== null && entry.expiresAt <= this.#now()) {
      this.#forget(turnId);
      return undefined;
    }
    return entry;
  }

  #forget(turnId: string): void {
    this.#turns.delete(turnId);
    this.#expiring.delete(turnId);
  }

  #scheduleSweep(): void {
    if (this.#sweepTimer || this.#closed) return;
    const next = this.#expiring.values().next();
    if (next.done) return;
    // A floor keeps a clock that does not advance (a test's fake one) from spinning the timer.
    const delay = Math.max(next.value - this.#now(), 10);
    this.#sweepTimer = setTimeout(() => {
      this.#sweepTimer = null;
      this.#sweep();
    }, delay);
    this.#sweepTimer.unref();
  }

  #sweep(): void {
    const now = this.#now();
    for (const [turnId, expiresAt] of this.#expiring) {
      if (expiresAt > now) break;
      this.#forget(turnId);
    }
    this.#scheduleSweep();
  }

  #assertOpen(): void {
    if (this.#closed) throw new RegistryClosedError();
  }
}

/** Copies before any state changes, so a chunk that cannot be copied leaves the turn untouched. */
function copyChunks(chunks: readonly UIMessageChunk[]): UIMessageChunk[] {
  return chunks.map(copyChunk);
}

/**
 * Most chunks (every delta) hold only strings and numbers: a spread copies those fully at a small
 * fraction of `structuredClone`'s cost, which is paid per token. Anything nested is cloned.
 */
function copyChunk(chunk: UIMessageChunk): UIMessageChunk {
  for (const value of Object.values(chunk)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      return structuredClone(chunk);
    }
  }
  return { ...chunk };
}

function wake(entry: TurnEntry): void {
  const waiters = [...entry.waiters];
  entry.waiters.clear();
  for (const waiter of waiters) waiter();
}
