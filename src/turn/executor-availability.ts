import type { Logger } from '../logger.ts';
import type { TurnQueue } from '../queue/turn-queue.ts';

export interface ExecutorAvailabilityOptions {
  queue: TurnQueue;
  logger: Logger;
  /**
   * "Available" is reused this long before the queue is asked again (many POSTs, one check);
   * "unavailable" is checked again on every call (concurrent calls share one check).
   */
  cacheMs: number;
  now?: () => number;
}

/**
 * Whether any executor takes turn jobs now, as the turn queue's consumer count says, and since
 * when none has. A check that fails (the queue's broker is down) changes nothing: the queue
 * refuses jobs then anyway, and turns are not given up on for a broker restart.
 */
export class ExecutorAvailability {
  readonly #queue: TurnQueue;
  readonly #logger: Logger;
  readonly #cacheMs: number;
  readonly #now: () => number;
  #available = true;
  #unavailableSince: number | null = null;
  #checkedAt = Number.NEGATIVE_INFINITY;
  #checking: Promise<void> | null = null;

  constructor(options: ExecutorAvailabilityOptions) {
    this.#queue = options.queue;
    this.#logger = options.logger;
    this.#cacheMs = options.cacheMs;
    this.#now = options.now ?? Date.now;
  }

  async isAvailable(): Promise<boolean> {
    await this.#refresh();
    return this.#available;
  }

  /** When executors were last seen gone (epoch ms), or null while one takes jobs. */
  async unavailableSince(): Promise<number | null> {
    await this.#refresh();
    return this.#unavailableSince;
  }

  #refresh(): Promise<void> {
    // Only "available" is reused: an executor that has just come back is seen by the next call.
    if (this.#available && this.#now() - this.#checkedAt < this.#cacheMs) {
      return Promise.resolve();
    }
    this.#checking ??= this.#check().finally(() => {
      this.#checking = null;
    });
    return this.#checking;
  }

  async #check(): Promise<void> {
    let consumers: number;
    try {
      consumers = await this.#queue.countConsumers();
    } catch (error) {
      this.#checkedAt = this.#now();
      this.#logger.warn({ err: error }, 'could not check whether an executor is available');
      return;
    }
    const now = this.#now();
    this.#checkedAt = now;
    const available = consumers > 0;
    if (available !== this.#available) {
      if (available) this.#logger.info('an executor takes turns again');
      else this.#logger.warn('no executor takes turns');
    }
    this.#available = available;
    this.#unavailableSince = available ? null : (this.#unavailableSince ?? now);
  }
}
