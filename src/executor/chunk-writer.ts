import type { UIMessageChunk } from 'ai';
import { mergeDeltas } from '../protocol/merge-deltas.ts';
import type { StreamRegistry } from '../registry/stream-registry.ts';
import { type FlushClock, sharedFlushClock } from './flush-clock.ts';

/**
 * Writes a turn's chunks to the registry in small batches so a networked registry sees far fewer
 * than one command per token: chunks arriving within `windowMs` of the first buffered one go in
 * one `append`, and consecutive deltas of the same part are merged into one chunk. One append is
 * in flight at a time; chunks that come meanwhile join the next one, which starts when it ends
 * (they would have waited for it anyway). The turn's first chunk is written at once, so a reader
 * sees the turn start without waiting out a window. A window of 0 waits only for the end of the
 * current turn of the event loop: the chunks pushed during it, and those that arrive while an
 * append is in flight, share one append (a burst of tokens from a model the executor fell behind
 * becomes one chunk, not one event per token for every reader).
 *
 * Windows end on a clock the writers of a process share (`FlushClock`), so the appends of many
 * turns whose windows end together leave in one round trip.
 *
 * Appends stay strictly ordered. Once the registry refuses an append (the turn was ended
 * elsewhere) `refused` turns true and later chunks are dropped.
 */
export class ChunkWriter {
  readonly #registry: StreamRegistry;
  readonly #turnId: string;
  readonly #windowMs: number;
  #buffer: UIMessageChunk[] = [];
  readonly #clock: FlushClock;
  /** Cancels the scheduled end of the window; null while none is scheduled. */
  #cancelTimer: (() => void) | null = null;
  /** The buffered chunks are to be written as soon as no append is in flight. */
  #due = false;
  #wroteFirst = false;
  /** Set by `unwritten`: the buffer waits for the closer, or for `flush`. */
  #holding = false;
  #inFlight: Promise<void> | null = null;
  #refused = false;
  #failure: unknown;
  /** What this writer appended, while it is the turn's whole log (see `log`). */
  #log: UIMessageChunk[] | null = [];

  constructor(
    registry: StreamRegistry,
    turnId: string,
    windowMs: number,
    clock: FlushClock = sharedFlushClock,
  ) {
    this.#registry = registry;
    this.#turnId = turnId;
    this.#windowMs = windowMs;
    this.#clock = clock;
  }

  get refused(): boolean {
    return this.#refused;
  }

  /**
   * The turn's whole log as appended so far, when this writer wrote all of it: every append was
   * stored and the registry's positions count exactly its chunks. Null once another party's
   * chunks sit among them (a continued answer opens its log with the restored message) or an
   * append failed or was refused. The closer folds it instead of reading the log back.
   */
  get log(): readonly UIMessageChunk[] | null {
    return this.#log;
  }

  /** An append failed (the registry is unreachable): later chunks are dropped, `flush` rejects. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Buffers a chunk; it is written within the window (call `flush` at the end). */
  push(chunk: UIMessageChunk): void {
    if (this.#refused) return;
    const last = this.#buffer.at(-1);
    const merged = last ? mergeDeltas(last, chunk) : null;
    if (merged) this.#buffer[this.#buffer.length - 1] = merged;
    else this.#buffer.push(chunk);
    // Only the first chunk skips the window: writing every chunk that finds the writer idle
    // would, on a saturated executor whose turns' tokens come further apart than the window,
    // append each token on its own and slow everything further.
    if (!this.#wroteFirst) this.#due = true;
    else this.#cancelTimer ??= this.#scheduleWindowEnd();
    this.#writeIfDue();
  }

  /**
   * For a closer that publishes the rest with the turn's terminal event (`endTurn`'s
   * `unpublished`), one append fewer between the model's last word and the end: stops writing,
   * waits for the append in flight and returns the chunks still buffered (they stay buffered:
   * `flush` writes them after all). Null when `log` is not the turn's whole log (the closer
   * then reads the log back, so it must hold every chunk), or an append failed or was refused.
   */
  async unwritten(): Promise<readonly UIMessageChunk[] | null> {
    this.#holding = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    while (this.#inFlight !== null) await this.#inFlight;
    if (this.#log === null || this.#refused || this.#failure !== undefined) return null;
    return [...this.#buffer];
  }

  /** Writes everything buffered; rejects if an append failed. */
  async flush(): Promise<void> {
    this.#holding = false;
    this.#due = true;
    this.#writeIfDue();
    // The append in flight ends by starting the next one while chunks are left.
    while (this.#inFlight !== null) await this.#inFlight;
    if (this.#failure !== undefined) throw this.#failure;
  }

  /**
   * Ends the window: after `windowMs` on the shared clock, or, without a window, once this turn of
   * the event loop is over — a model hands over every token due at once, and they pass through
   * the SDK's streams in one go, so they become one chunk and one event for every reader.
   */
  #scheduleWindowEnd(): () => void {
    const end = () => {
      this.#cancelTimer = null;
      this.#due = true;
      this.#writeIfDue();
    };
    if (this.#windowMs > 0) return this.#clock.schedule(this.#windowMs, end);
    const immediate = setImmediate(end);
    return () => clearImmediate(immediate);
  }

  #writeIfDue(): void {
    if (!this.#due || this.#holding || this.#inFlight !== null || this.#buffer.length === 0) return;
    this.#due = false;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#wroteFirst = true;
    this.#inFlight = this.#append(batch).then(() => {
      this.#inFlight = null;
      this.#writeIfDue();
    });
  }

  async #append(batch: UIMessageChunk[]): Promise<void> {
    if (this.#refused || this.#failure !== undefined) return;
    try {
      const last = await this.#registry.append(this.#turnId, batch);
      if (last === null) {
        this.#refused = true;
        this.#log = null;
        return;
      }
      this.#log?.push(...batch);
      if (last !== this.#log?.length) this.#log = null;
    } catch (error) {
      this.#failure = error;
      this.#log = null;
    }
  }
}
