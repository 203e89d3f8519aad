/**
 * Runs callbacks that fall due at about the same time in ONE timer callback: the chunk writers of
 * many turns whose windows end within the same slot start their appends together, and a networked
 * registry that pipelines the commands of one tick (ioredis auto-pipelining) sends them in one
 * round trip instead of one each. A callback runs at most `slotMs` after it was due.
 */
export class FlushClock {
  readonly #slotMs: number;
  readonly #now: () => number;
  readonly #slots = new Map<number, { timer: NodeJS.Timeout; callbacks: Set<() => void> }>();

  /** `now`: the monotonic clock slots are counted on, in ms (tests hold it still). */
  constructor(slotMs = 2, now: () => number = () => performance.now()) {
    if (!(slotMs > 0)) throw new RangeError('slotMs must be positive');
    this.#slotMs = slotMs;
    this.#now = now;
  }

  /** Runs `callback` once, `delayMs` from now rounded up to a slot; returns what cancels it. */
  schedule(delayMs: number, callback: () => void): () => void {
    const now = this.#now();
    const slot = Math.ceil((now + delayMs) / this.#slotMs);
    let entry = this.#slots.get(slot);
    if (!entry) {
      const callbacks = new Set<() => void>();
      const timer = setTimeout(
        () => {
          this.#slots.delete(slot);
          for (const due of callbacks) due();
        },
        slot * this.#slotMs - now,
      );
      entry = { timer, callbacks };
      this.#slots.set(slot, entry);
    }
    const { callbacks, timer } = entry;
    callbacks.add(callback);
    return () => {
      callbacks.delete(callback);
      if (callbacks.size === 0 && this.#slots.get(slot)?.callbacks === callbacks) {
        clearTimeout(timer);
        this.#slots.delete(slot);
      }
    };
  }
}

/** The clock every chunk writer of a process shares unless given its own. */
export const sharedFlushClock = new FlushClock();
