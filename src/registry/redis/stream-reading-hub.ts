import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import { RegistryClosedError } from '../stream-registry.ts';
import { compareStreamIds } from './stream-ids.ts';
import { decodeStreamEntry, type TurnStreamEntry } from './turn-record-codec.ts';
import { parseXreadReply } from './xread-reply.ts';

export interface StreamReadingHubOptions {
  /** A connection only the hub uses: it spends its life blocked in XREAD. */
  blocking: Redis | Cluster;
  /** The shared command connection, used to wake the blocked XREAD. */
  command: Redis | Cluster;
  /** A stream key only this hub reads; an entry there wakes its XREAD. */
  wakeUpKey: string;
  /** Upper bound of one XREAD BLOCK, so a silently dead connection is noticed. */
  blockMs: number;
  /** Entries per stream per XREAD reply. */
  batchSize: number;
  /**
   * The least time between the starts of two XREADs, asked before each one. Under load entries of
   * many turns arrive within it and share one XREAD, instead of one XREAD each; a chunk waits at
   * most this long.
   */
  readIntervalMs: () => number;
  /** Told about failed XREADs (the hub retries them with a backoff). */
  onError: (error: unknown) => void;
}

/** A reader's place in the hub: the entries of its turn, in order, from when it subscribed. */
export interface HubSubscription {
  /**
   * Set when the hub had already passed the subscriber's id for this stream: the entries after
   * that id up to and including `bridgeUntil` reach it only through its own XRANGE.
   */
  readonly bridgeUntil: string | null;
  /** The next entry; null once `signal` aborts; rejects when the turn or the hub failed. */
  next(signal: AbortSignal | undefined): Promise<TurnStreamEntry | null>;
  /** Idempotent; the last subscriber of a stream takes the stream out of the XREAD. */
  unsubscribe(): void;
}

interface Feed {
  turnId: string;
  streamKey: string;
  /** The id up to which the hub has read and fanned out this stream. */
  lastId: string;
  subscribers: Set<Subscriber>;
}

/**
 * Live reading for every reader of a group of streams (a registry's streams on a standalone Redis,
 * one bucket's on a cluster, where one XREAD may only name keys of one slot) over ONE blocking
 * connection: a loop of
 * `XREAD BLOCK … STREAMS wake k1 k2 … id1 id2 …` over the streams that have subscribers, each
 * entry decoded once and fanned out in memory. A new stream wakes the blocked XREAD through an
 * entry on the hub's own wake-up stream; since that XREAD asks for entries after an explicit id,
 * a wake-up that reaches Redis before the XREAD still ends it at once.
 */
export class StreamReadingHub {
  readonly #options: StreamReadingHubOptions;
  readonly #feeds = new Map<string, Feed>();
  readonly #stopping = new AbortController();
  /** Whether an XREAD is out; a new feed wakes it, otherwise the next XREAD includes the feed. */
  #xreadInFlight = false;
  #wakeUpPending = false;
  #wakeUpId = '0-0';
  #idle: (() => void) | null = null;
  readonly #stopped: Promise<void>;

  constructor(options: StreamReadingHubOptions) {
    this.#options = options;
    this.#stopped = this.#run();
  }

  subscribe(turnId: string, streamKey: string, afterId: string): HubSubscription {
    if (this.#stopping.signal.aborted) throw new RegistryClosedError();
    let feed = this.#feeds.get(streamKey);
    let bridgeUntil: string | null = null;
    if (!feed) {
      feed = { turnId, streamKey, lastId: afterId, subscribers: new Set() };
      this.#feeds.set(streamKey, feed);
      this.#streamAdded();
    } else if (compareStreamIds(afterId, feed.lastId) < 0) {
      bridgeUntil = feed.lastId;
    }
    const subscriber = new Subscriber(this, feed, bridgeUntil);
    feed.subscribers.add(subscriber);
    return subscriber;
  }

  /** Ends every subscriber of a turn with `error` (its turn vanished, say). */
  failTurn(streamKey: string, error: Error): void {
    const feed = this.#feeds.get(streamKey);
    if (!feed) return;
    this.#feeds.delete(streamKey);
    for (const subscriber of feed.subscribers) subscriber.fail(error);
  }

  /** Whether any reader waits on this hub (its loop reads only then). */
  get active(): boolean {
    return this.#feeds.size > 0;
  }

  subscribedTurns(): { turnId: string; streamKey: string }[] {
    return [...this.#feeds.values()].map(({ turnId, streamKey }) => ({ turnId, streamKey }));
  }

  stats(): { subscribedTurns: number; subscribers: number; waitingReaders: number } {
    let subscribers = 0;
    let waitingReaders = 0;
    for (const feed of this.#feeds.values()) {
      subscribers += feed.subscribers.size;
      for (const subscriber of feed.subscribers) if (subscriber.waiting) waitingReaders += 1;
    }
    return { subscribedTurns: this.#feeds.size, subscribers, waitingReaders };
  }

  /**
   * Fails every subscriber and stops the loop. The caller disconnects the blocking connection,
   * which ends an XREAD in flight; the returned promise settles when the loop has exited.
   */
  close(): Promise<void> {
    if (!this.#stopping.signal.aborted) {
      this.#stopping.abort();
      const closed = new RegistryClosedError();
      for (const feed of this.#feeds.values()) {
        for (const subscriber of feed.subscribers) subscriber.fail(closed);
      }
      this.#feeds.clear();
      this.#idle?.();
    }
    return this.#stopped;
  }

  /**
   * For `Subscriber.unsubscribe` only: the stream leaves the XREAD with its last subscriber.
   */
  leave(feed: Feed, subscriber: Subscriber): void {
    feed.subscribers.delete(subscriber);
    if (feed.subscribers.size === 0 && this.#feeds.get(feed.streamKey) === feed) {
      this.#feeds.delete(feed.streamKey);
    }
  }

  #streamAdded(): void {
    if (this.#idle) {
      this.#idle();
      return;
    }
    // The XREAD in flight lacks this feed (even if it reads the same stream for an earlier one,
    // whose entries the dispatch skips); the next XREAD includes it.
    if (!this.#xreadInFlight || this.#wakeUpPending) return;
    this.#wakeUpPending = true;
    const { command, wakeUpKey } = this.#options;
    command
      .multi()
      .xadd(wakeUpKey, 'MAXLEN', '1', '*', 'wake', '1')
      .pexpire(wakeUpKey, 3_600_000)
      .exec()
      .catch((error: unknown) => this.#options.onError(error));
  }

  async #run(): Promise<void> {
    let failures = 0;
    let lastStart = 0;
    while (!this.#stopping.signal.aborted) {
      if (this.#feeds.size === 0) {
        await new Promise<void>((resolve) => (this.#idle = resolve));
        this.#idle = null;
        continue;
      }
      const wait = lastStart + this.#options.readIntervalMs() - performance.now();
      if (wait > 0) {
        await sleep(wait, undefined, { signal: this.#stopping.signal }).catch(() => {});
        continue;
      }
      lastStart = performance.now();
      const request = new Map(this.#feeds);
      this.#xreadInFlight = true;
      let reply: unknown;
      try {
        reply = await this.#options.blocking.call(
          'XREAD',
          'COUNT',
          this.#options.batchSize,
          'BLOCK',
          this.#options.blockMs,
          'STREAMS',
          this.#options.wakeUpKey,
          ...request.keys(),
          this.#wakeUpId,
          ...[...request.values()].map((feed) => feed.lastId),
        );
        failures = 0;
      } catch (error) {
        if (this.#stopping.signal.aborted) break;
        this.#options.onError(error);
        failures += 1;
        await sleep(Math.min(50 * 2 ** failures, 2_000), undefined, {
          signal: this.#stopping.signal,
        }).catch(() => {});
        continue;
      } finally {
        this.#xreadInFlight = false;
        this.#wakeUpPending = false;
      }
      try {
        this.#dispatch(reply, request);
      } catch (error) {
        // A reply the hub cannot read: its readers would otherwise wait forever.
        this.#options.onError(error);
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const [streamKey, feed] of request) {
          if (this.#feeds.get(streamKey) === feed) this.failTurn(streamKey, failure);
        }
      }
    }
  }

  #dispatch(reply: unknown, request: ReadonlyMap<string, Feed>): void {
    for (const [streamKey, entries] of parseXreadReply(reply)) {
      if (streamKey === this.#options.wakeUpKey) {
        const last = entries.at(-1);
        if (last) this.#wakeUpId = last[0];
        continue;
      }
      const feed = this.#feeds.get(streamKey);
      // A feed that left (and maybe came back with another id) while the XREAD was out.
      if (!feed || request.get(streamKey) !== feed) continue;
      for (const [id, fields] of entries) {
        let entry: TurnStreamEntry;
        try {
          entry = decodeStreamEntry(id, fields);
        } catch (error) {
          this.failTurn(streamKey, error instanceof Error ? error : new Error(String(error)));
          break;
        }
        feed.lastId = id;
        for (const subscriber of feed.subscribers) subscriber.push(entry);
        if (entry.events.at(-1)?.event.type === 'end') {
          this.#feeds.delete(streamKey);
          break;
        }
      }
    }
  }
}

class Subscriber implements HubSubscription {
  readonly bridgeUntil: string | null;
  readonly #hub: StreamReadingHub;
  readonly #feed: Feed;
  #queue: TurnStreamEntry[] = [];
  #failure: Error | null = null;
  #wake: (() => void) | null = null;
  #left = false;

  constructor(hub: StreamReadingHub, feed: Feed, bridgeUntil: string | null) {
    this.#hub = hub;
    this.#feed = feed;
    this.bridgeUntil = bridgeUntil;
  }

  get waiting(): boolean {
    return this.#wake !== null;
  }

  push(entry: TurnStreamEntry): void {
    this.#queue.push(entry);
    this.#wake?.();
  }

  fail(error: Error): void {
    this.#failure = error;
    this.#wake?.();
  }

  async next(signal: AbortSignal | undefined): Promise<TurnStreamEntry | null> {
    for (;;) {
      if (signal?.aborted) return null;
      const entry = this.#queue.shift();
      if (entry) return entry;
      if (this.#failure) throw this.#failure;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#wake = null;
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.#wake = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  unsubscribe(): void {
    if (this.#left) return;
    this.#left = true;
    this.#queue = [];
    this.#hub.leave(this.#feed, this);
  }
}
