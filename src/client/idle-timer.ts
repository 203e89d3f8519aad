/**
 * Calls `onIdle` once when nothing happened for `timeoutMs`: `touch` says something happened,
 * `suspend` stops counting while the wait is not the other side's (the reader's consumer is busy),
 * `resume` counts again from now. With `timeoutMs` false it never fires.
 *
 * Touching only stores a time stamp, so a busy stream costs no timer churn: the one timer checks
 * the stamp when it fires and sleeps again for the rest.
 */
export class IdleTimer {
  readonly #onIdle: () => void;
  #lastActivity = performance.now();
  #suspended = false;
  #expired = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number | false, onIdle: () => void) {
    this.#onIdle = onIdle;
    if (timeoutMs !== false) this.#schedule(timeoutMs, timeoutMs);
  }

  /** True once `onIdle` was called. */
  get expired(): boolean {
    return this.#expired;
  }

  touch(): void {
    this.#lastActivity = performance.now();
  }

  suspend(): void {
    this.#suspended = true;
  }

  resume(): void {
    this.#suspended = false;
    this.touch();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #schedule(timeoutMs: number, delayMs: number): void {
    this.#timer = setTimeout(() => {
      const quietMs = performance.now() - this.#lastActivity;
      if (this.#suspended || quietMs < timeoutMs) {
        this.#schedule(timeoutMs, this.#suspended ? timeoutMs : timeoutMs - quietMs);
        return;
      }
      this.#expired = true;
      this.#onIdle();
    }, delayMs);
  }
}
