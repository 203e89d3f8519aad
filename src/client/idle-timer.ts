/**
 * Calls `onIdle` once when nothing happened for `timeoutMs`: `touch` says something happened,
 * `suspend` stops counting while the wait is not the other side's (the reader's consumer is busy),
 * `resume` counts again from now. With `timeoutMs` false it never fires.
 *
 * Touching only stores a time stamp, so a busy stream costs no timer churn: the one timer checks
 * the stamp when it fires and sleeps again for the rest.
 */
export class IdleTimer {
  readonly #timeoutMs: number | false;
  readonly #onIdle: () => void;
  #lastActivity = performance.now();
  #suspended = false;
  #expired = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(timeoutMs: number | false, onIdle: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onIdle = onIdle;
    this.#schedule(timeoutMs === false ? 0 : timeoutMs);
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
    this.#timer = undefined;
    this.#suspended = true;
  }

  #schedule(delayMs: number): void {
    if (this.#timeoutMs === false) return;
    const timeoutMs = this.#timeoutMs;
    this.#timer = setTimeout(() => {
      if (this.#timer === undefined) return;
      const quietMs = performance.now() - this.#lastActivity;
      if (this.#suspended || quietMs < timeoutMs) {
        this.#schedule(this.#suspended ? timeoutMs : timeoutMs - quietMs);
        return;
      }
      this.#expired = true;
      this.#timer = undefined;
      this.#onIdle();
    }, delayMs);
  }
}
