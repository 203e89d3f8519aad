import type { UIMessageChunk } from 'ai';
import { mergeDeltas } from '../protocol/merge-deltas.ts';
import type { StreamRegistry } from '../registry/stream-registry.ts';

/**
 * Writes a turn's chunks to the registry in small batches so a networked registry sees far fewer
 * than one command per token: chunks arriving within `windowMs` of the first buffered one go in
 * one `append`, and consecutive deltas of the same part are merged into one chunk. The turn's
 * first chunk is written at once, so a reader sees the turn start without waiting out a window.
 * A window of 0 appends every chunk as it comes (the in-memory registry gains nothing from
 * batching).
 *
 * Appends stay strictly ordered (each waits for the previous). Once the registry refuses an
 * append (the turn was ended elsewhere) `refused` turns true and later chunks are dropped.
 */
export class ChunkWriter {
  readonly #registry: StreamRegistry;
  readonly #turnId: string;
  readonly #windowMs: number;
  #buffer: UIMessageChunk[] = [];
  #timer: NodeJS.Timeout | null = null;
  #wroteFirst = false;
  #tail: Promise<void> = Promise.resolve();
  #refused = false;
  #failure: unknown;

  constructor(registry: StreamRegistry, turnId: string, windowMs: number) {
    this.#registry = registry;
    this.#turnId = turnId;
    this.#windowMs = windowMs;
  }

  get refused(): boolean {
    return this.#refused;
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
    if (this.#windowMs === 0 || !this.#wroteFirst) this.#schedule();
    else this.#timer ??= setTimeout(() => this.#schedule(), this.#windowMs);
  }

  /** Writes everything buffered; rejects if an append failed. */
  async flush(): Promise<void> {
    this.#schedule();
    await this.#tail;
    if (this.#failure !== undefined) throw this.#failure;
  }

  #schedule(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#wroteFirst = true;
    this.#tail = this.#tail.then(async () => {
      if (this.#refused || this.#failure !== undefined) return;
      try {
        if ((await this.#registry.append(this.#turnId, batch)) === null) this.#refused = true;
      } catch (error) {
        this.#failure = error;
      }
    });
  }
}
