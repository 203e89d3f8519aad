import type { UIMessageChunk } from 'ai';
import { mergeDeltas } from '../protocol/merge-deltas.ts';
import type { StreamRegistry } from '../registry/stream-registry.ts';

/**
 * Writes a turn's chunks to the registry in small batches so a networked registry sees far fewer
 * than one command per token: at most one `append` per `windowMs`, and consecutive deltas of the
 * same part are merged into one chunk. A chunk that finds the last append at least `windowMs` old
 * (the turn's first chunk, the first after a pause) is written at once; chunks that come sooner
 * wait until `windowMs` after that append and go together. So no chunk waits longer than the
 * window, and a reader sees a turn start without waiting for it. A window of 0 appends every
 * chunk as it comes (the in-memory registry gains nothing from batching).
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
  /** When the last append was started (`performance.now()`). */
  #lastWriteAt = Number.NEGATIVE_INFINITY;
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

  /** Buffers a chunk; it is written at once or within the window (call `flush` at the end). */
  push(chunk: UIMessageChunk): void {
    if (this.#refused) return;
    const last = this.#buffer.at(-1);
    const merged = last ? mergeDeltas(last, chunk) : null;
    if (merged) this.#buffer[this.#buffer.length - 1] = merged;
    else this.#buffer.push(chunk);
    if (this.#timer !== null) return;
    const wait = this.#lastWriteAt + this.#windowMs - performance.now();
    if (wait <= 0) this.#schedule();
    else this.#timer = setTimeout(() => this.#schedule(), wait);
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
    this.#lastWriteAt = performance.now();
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
