/** What became of a delivery given to `HandlerSlots.run`. */
export type SlotOutcome<T> =
  | { type: 'handled'; result: T }
  /** Its connection was lost: the broker took the delivery back, nothing is left to settle. */
  | { type: 'lost' }
  /** The consumer is stopping: the delivery goes back to the broker unhandled. */
  | { type: 'stopping' };

/**
 * Runs one consumer's handlers, at most `concurrency` at once, across reconnects.
 *
 * rabbitmq-client consumes again after a lost connection only once every handler it started
 * has returned, and a turn runs for minutes: an executor would take no job (and count as no
 * consumer) for that long after a broker blip. So a handler whose connection was lost is let go
 * here — the library sees it done, its delivery went back to the broker with the connection —
 * and keeps running on its own, still holding its slot. Fresh deliveries wait for a free slot
 * (unacked, as safe as in the broker), so the running count never exceeds `concurrency`.
 */
export class HandlerSlots {
  readonly #concurrency: number;
  #running = 0;
  #stopping = false;
  /** Counts lost connections, so a waiting delivery knows whether its own is gone. */
  #generation = 0;
  #drained: PromiseWithResolvers<void> | null = null;
  /** Resolved when a connection is lost, then replaced for the next one. */
  #connectionLost = Promise.withResolvers<void>();
  /** Woken one at a time as slots free up, or all at once by a lost connection or `stop`. */
  readonly #waiting = new Set<() => void>();

  constructor(concurrency: number) {
    this.#concurrency = concurrency;
  }

  /** Every delivery received so far belonged to a connection that is gone. */
  connectionLost(): void {
    this.#generation += 1;
    this.#connectionLost.resolve();
    this.#connectionLost = Promise.withResolvers<void>();
    this.#wakeAll();
  }

  /**
   * Deliveries still waiting for a slot go back; resolves once every handler has returned,
   * those let go with a lost connection included.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wakeAll();
    if (this.#running === 0) return;
    this.#drained ??= Promise.withResolvers<void>();
    await this.#drained.promise;
  }

  async run<T>(handle: () => Promise<T>): Promise<SlotOutcome<T>> {
    const lost = this.#connectionLost.promise;
    const generation = this.#generation;
    while (
      this.#running >= this.#concurrency &&
      !this.#stopping &&
      this.#generation === generation
    ) {
      await new Promise<void>((resolve) => this.#waiting.add(resolve));
    }
    if (this.#generation !== generation) return { type: 'lost' };
    if (this.#stopping) return { type: 'stopping' };
    this.#running += 1;
    const handled = handle().finally(() => {
      this.#running -= 1;
      this.#wakeOne();
      if (this.#running === 0) this.#drained?.resolve();
    });
    return Promise.race([
      handled.then((result): SlotOutcome<T> => ({ type: 'handled', result })),
      lost.then((): SlotOutcome<T> => ({ type: 'lost' })),
    ]);
  }

  #wakeOne(): void {
    const [wake] = this.#waiting;
    if (!wake) return;
    this.#waiting.delete(wake);
    wake();
  }

  #wakeAll(): void {
    const woken = [...this.#waiting];
    this.#waiting.clear();
    for (const wake of woken) wake();
  }
}
