import { randomBytes, randomUUID } from 'node:crypto';
import type { UIMessageChunk } from 'ai';
import {
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
  TurnNotFoundError,
  type TurnRecord,
} from '../stream-registry.ts';
import { type ReadTurnContext, readTurn, readWholeLog } from './read-turn.ts';
import {
  openRegistryConnections,
  type RedisConnection,
  type RegistryConnections,
} from './redis-connections.ts';
import { createRedisKeys, defaultBucketCount, type RedisKeys } from './redis-keys.ts';
import { RegistryCommands, registryScripts } from './registry-commands.ts';
import { ScriptRunner } from './script-runner.ts';
import { StreamReadingHub } from './stream-reading-hub.ts';
import { decodeTurnRecord, encodeChunks, fieldsFromList } from './turn-record-codec.ts';

export interface RedisStreamRegistryOptions {
  /** `redis://[user:password@]host:port[/db]`; with `cluster`, any one node of the cluster. */
  url: string;
  /** `url` is a node of a Redis Cluster (every script is single-slot; see redis-keys.ts). */
  cluster?: boolean;
  /** Namespace of every key; one deployment (or one test) per prefix. */
  keyPrefix: string;
  /**
   * How many buckets (hash slots) the keys spread over; every process of a deployment must agree.
   * More buckets spread a cluster's load over more shards, and a process reading turns of many
   * buckets holds a blocking connection per bucket. Default 16.
   */
  bucketCount?: number;
  /** How long a finished turn stays readable after its terminal event. */
  finishedTurnTtlMs: number;
  /**
   * TTL of an active turn's keys: set when it opens, extended by lease refreshes and cancels.
   * Generous: it only reclaims turns that everything else abandoned. Default 24 h.
   */
  activeTurnTtlMs?: number;
  /** CLIENT SETNAME of the registry's connections. Default `durable-chat:<keyPrefix>`. */
  clientName?: string;
  /** How often the turns of waiting readers are checked for having vanished. Default 30 s. */
  vanishedTurnCheckIntervalMs?: number;
  /** Upper bound of one blocking XREAD. Default 5 s. */
  blockMs?: number;
  /**
   * The least time between two XREADs of a reading hub: entries of the turns that arrive within it
   * share one XREAD (one Redis command) instead of one each. On a cluster the hubs of the buckets
   * being read share it: each waits this times their number. Default 5 ms.
   */
  readIntervalMs?: number;
  /** Told about connection errors and failed background reads (which are retried). */
  onError?: (error: unknown) => void;
}

const defaults = {
  activeTurnTtlMs: 24 * 3_600_000,
  vanishedTurnCheckIntervalMs: 30_000,
  blockMs: 5_000,
  readIntervalMs: 5,
  pageSize: 500,
  openTurnAttempts: 100,
  /** Turns whose last position a process remembers (it writes to few at a time). */
  rememberedPositions: 10_000,
};

interface ReadingGroup {
  hub: StreamReadingHub;
  blocking: RedisConnection;
  wakeUpKey: string;
}

/**
 * The StreamRegistry on Redis, standalone or Cluster (see `redis-keys.ts` for the layout and `lua/`
 * for every script): a stream per turn for the chunks and the terminal event, a hash per turn for
 * its state, a session → active turn pointer, and an index of active turns per bucket.
 *
 * Appending costs one Redis command: a plain `XADD … NOMKSTREAM <last position>-0` of one entry
 * holding the batch, at the position this process expects (it remembers the last position of the
 * turns it writes). No state is read or written per append: a closed turn refuses the XADD because
 * claiming the close moved the stream's last id past every position, and a turn whose keys expired
 * refuses it because the stream is gone. Only a refused XADD runs the careful script, which tells
 * those cases from a wrong expectation or a repeat. Expiry is set when a turn opens and extended by
 * lease refreshes; appends of every turn in one tick share a round trip (auto-pipelining).
 *
 * Opening and ending a turn take two single-slot steps each (the turn's slot, then the session's),
 * ordered so that a crash between them leaves nothing wrong: a session pointer naming an ended or
 * vanished turn means a free session, and a created turn that never took its session is discarded
 * (or, if its opener died, ends as abandoned at its enqueue deadline).
 *
 * Every clock reading (createdAt, closedAt, leases) is Redis's `TIME`, so all processes share one
 * clock. Live reading goes through `StreamReadingHub`s: one per registry on a standalone Redis, one
 * per bucket on a cluster (an XREAD may only name keys of one slot there).
 */
export class RedisStreamRegistry implements StreamRegistry {
  readonly #command: RedisConnection;
  readonly #connections: RegistryConnections;
  readonly #cluster: boolean;
  readonly #keys: RedisKeys;
  readonly #runner: ScriptRunner;
  readonly #commands: RegistryCommands;
  readonly #groups = new Map<number, ReadingGroup>();
  readonly #instanceId = randomUUID();
  readonly #blockMs: number;
  readonly #readIntervalMs: number;
  readonly #vanishedTurnCheck: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  readonly #readContext: ReadTurnContext;
  /** The last position of turns this process appended to (an append needs no read then). */
  readonly #lastPositions = new Map<string, number>();
  /**
   * An append's nonce only has to differ from every other append to the same turn: this
   * registry's random prefix (no other process shares it) and a count. Fresh random bytes for
   * each append cost a synchronous call per append.
   */
  readonly #noncePrefix = randomBytes(6).toString('base64url');
  #appendCount = 0;
  /** Each turn's appends run one after the other, so positions are assigned in call order. */
  readonly #appending = new Map<string, Promise<unknown>>();
  #closed = false;

  /** Connects and loads the scripts; rejects when Redis cannot be reached. */
  static async connect(options: RedisStreamRegistryOptions): Promise<RedisStreamRegistry> {
    const keys = createRedisKeys(options.keyPrefix, options.bucketCount ?? defaultBucketCount);
    for (const [name, value] of Object.entries({
      finishedTurnTtlMs: options.finishedTurnTtlMs,
      activeTurnTtlMs: options.activeTurnTtlMs ?? defaults.activeTurnTtlMs,
    })) {
      if (!(value >= 1)) throw new RangeError(`${name} must be a positive number of milliseconds`);
    }
    const connections = await openRegistryConnections({
      url: options.url,
      cluster: options.cluster ?? false,
      clientName: options.clientName ?? `durable-chat:${options.keyPrefix}`,
      onError: options.onError ?? (() => {}),
    });
    const runner = new ScriptRunner(connections.command);
    try {
      await runner.load(registryScripts);
    } catch (error) {
      connections.command.disconnect();
      throw error;
    }
    return new RedisStreamRegistry(options, keys, connections, runner);
  }

  private constructor(
    options: RedisStreamRegistryOptions,
    keys: RedisKeys,
    connections: RegistryConnections,
    runner: ScriptRunner,
  ) {
    this.#keys = keys;
    this.#connections = connections;
    this.#command = connections.command;
    this.#cluster = options.cluster ?? false;
    this.#runner = runner;
    this.#onError = options.onError ?? (() => {});
    this.#blockMs = options.blockMs ?? defaults.blockMs;
    this.#readIntervalMs = options.readIntervalMs ?? defaults.readIntervalMs;
    this.#commands = new RegistryCommands(runner, this.#command, keys, {
      activeTurnTtlMs: Math.ceil(options.activeTurnTtlMs ?? defaults.activeTurnTtlMs),
      finishedTurnTtlMs: Math.ceil(options.finishedTurnTtlMs),
    });
    this.#readContext = {
      command: this.#command,
      keys,
      hubFor: (turnId) => this.#hubFor(turnId),
      getTurn: (turnId) => this.getTurn(turnId),
      pageSize: defaults.pageSize,
      assertOpen: () => this.#assertOpen(),
    };
    this.#vanishedTurnCheck = setInterval(
      () => this.#failVanishedTurns().catch(this.#onError),
      options.vanishedTurnCheckIntervalMs ?? defaults.vanishedTurnCheckIntervalMs,
    );
    this.#vanishedTurnCheck.unref();
    // A reconnect is when turns most likely vanished (a Redis restarted without persistence loses
    // every key): waiting readers hear it at once instead of at the next periodic check.
    this.#command.on('ready', () => {
      this.#lastPositions.clear();
      this.#failVanishedTurns().catch(this.#onError);
    });
    // A failover may lose the last writes a master acknowledged: positions remembered from them
    // would leave a gap in the log. Forgotten, the next append of each turn asks the stream.
    for (const event of ['+node', '-node', 'node error']) {
      this.#command.on(event, () => this.#lastPositions.clear());
    }
  }

  /**
   * The command connection, for other state the deployment shares in this Redis (the message
   * rate limit), under keys `<keyPrefix>:…` of their own. Closed with the registry.
   */
  get commandConnection(): RedisConnection {
    return this.#command;
  }

  async openTurn(input: OpenTurnInput): Promise<OpenTurnResult> {
    this.#assertOpen();
    const created = await this.#commands.createTurn(input);
    if (!created.created) throw new TurnExistsError(input.turnId);
    const turn = openedTurnRecord(input, created.createdAt, created.enqueueDeadline);
    // Optimistic: most sessions have no pointer; one naming an ended turn costs a look at it.
    let seenPointer = '';
    for (let attempt = 0; attempt < defaults.openTurnAttempts; attempt += 1) {
      const taken = await this.#commands.takeSession(input.sessionId, input.turnId, seenPointer);
      if (taken.taken) return { opened: true, turn };
      if (taken.pointer !== '') {
        const active = await this.getTurn(taken.pointer);
        if (active && !isTerminal(active.status)) {
          await this.#commands.discardTurn(input.turnId);
          return { opened: false, activeTurn: active };
        }
      }
      seenPointer = taken.pointer;
    }
    await this.#commands.discardTurn(input.turnId);
    throw new Error(`the active turn of session ${input.sessionId} kept changing; try again`);
  }

  append(turnId: string, chunks: readonly UIMessageChunk[]): Promise<number | null> {
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const encoded = encodeChunks(chunks);
    const previous = this.#appending.get(turnId);
    const appended = previous
      ? previous.then(() => this.#appendNow(turnId, encoded))
      : this.#appendNow(turnId, encoded);
    const settled = appended.then(
      () => {},
      () => {},
    );
    this.#appending.set(turnId, settled);
    void settled.then(() => {
      if (this.#appending.get(turnId) === settled) this.#appending.delete(turnId);
    });
    return appended;
  }

  async claimClose(
    turnId: string,
    status: TerminalStatus,
    error: string | null = null,
  ): Promise<boolean> {
    this.#assertOpen();
    if (!isTerminal(status)) throw new NotTerminalStatusError(String(status));
    return this.#commands.claimClose(turnId, status, error);
  }

  async publishClose(turnId: string, chunks: readonly UIMessageChunk[]): Promise<void> {
    this.#assertOpen();
    const { sessionId } = await this.#commands.publishClose(turnId, encodeChunks(chunks));
    this.#lastPositions.delete(turnId);
    await this.#commands.clearSessionPointer(sessionId, turnId);
  }

  read(turnId: string, options: ReadOptions): AsyncIterable<ReadEvent> {
    return readTurn(this.#readContext, turnId, options.after, options.signal);
  }

  async readAll(turnId: string): Promise<PositionedChunk[]> {
    this.#assertOpen();
    return readWholeLog(this.#readContext, turnId);
  }

  /** The state hash and the stream's last entry (an active turn's last position), in one trip. */
  async getTurn(turnId: string): Promise<TurnRecord | null> {
    this.#assertOpen();
    const [fields, top] = await Promise.all([
      this.#command.hgetall(this.#keys.turnMeta(turnId)),
      this.#command.xrevrange(this.#keys.turnStream(turnId), '+', '-', 'COUNT', 1),
    ]);
    const turn = decodeTurnRecord(turnId, fields);
    const last = top[0];
    if (turn && !isTerminal(turn.status) && last) {
      const position = fieldsFromList(last[1]).p;
      turn.lastPosition = position === undefined ? 0 : Number(position);
    }
    return turn;
  }

  async getActiveTurn(sessionId: string): Promise<TurnRecord | null> {
    this.#assertOpen();
    const turnId = await this.#command.get(this.#keys.sessionActiveTurn(sessionId));
    if (turnId === null) return null;
    const turn = await this.getTurn(turnId);
    // A pointer to a vanished or ended turn means no turn is active (missing status ≠ running).
    return turn && !isTerminal(turn.status) ? turn : null;
  }

  async confirmTurn(turnId: string): Promise<boolean> {
    this.#assertOpen();
    return this.#commands.confirmTurn(turnId);
  }

  async requestCancel(turnId: string): Promise<boolean> {
    this.#assertOpen();
    return this.#commands.requestCancel(turnId);
  }

  async noteFollowUp(turnId: string): Promise<boolean> {
    this.#assertOpen();
    return this.#commands.noteFollowUp(turnId);
  }

  async countFollowUps(turnId: string): Promise<number> {
    this.#assertOpen();
    return this.#commands.countFollowUps(turnId);
  }

  async acquireLease(turnId: string, owner: string, ttlMs: number): Promise<LeaseResult> {
    this.#assertOpen();
    return this.#commands.acquireLease(turnId, owner, ttlMs);
  }

  async refreshLease(turnId: string, owner: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    return this.#commands.refreshLease(turnId, owner, ttlMs);
  }

  /** Drops (and cleans up) index entries whose turn hash vanished, so the sweeper never sees them. */
  async listActiveTurnIds(): Promise<string[]> {
    this.#assertOpen();
    const keys = this.#keys;
    const buckets = await Promise.all(
      Array.from({ length: keys.bucketCount }, (_, bucket) =>
        this.#command.hgetall(keys.activeTurns(bucket)),
      ),
    );
    const index = buckets.flatMap((bucket) => Object.entries(bucket));
    const statuses = await Promise.all(
      index.map(([turnId]) => this.#command.hget(keys.turnMeta(turnId), 'status')),
    );
    const active: string[] = [];
    for (const [position, [turnId, sessionId]] of index.entries()) {
      const status = statuses[position];
      if (status === 'running' || status === 'closing') active.push(turnId);
      else if (await this.#commands.pruneActiveTurn(turnId)) {
        await this.#commands.clearSessionPointer(sessionId, turnId);
      } else active.push(turnId);
    }
    return active;
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    return this.#commands.acquireLock(name, owner, ttlMs);
  }

  /** Ends waiting readers (they reject), then closes every connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#vanishedTurnCheck);
    const groups = [...this.#groups.values()];
    const stopped = groups.map((group) => group.hub.close());
    for (const group of groups) group.blocking.disconnect();
    await Promise.all(stopped);
    // Without a live connection, QUIT would wait in the offline queue for Redis to come back.
    if (this.#command.status !== 'ready') {
      this.#command.disconnect();
      return;
    }
    try {
      await Promise.all(groups.map((group) => this.#command.del(group.wakeUpKey)));
      await this.#command.quit();
    } catch {
      this.#command.disconnect();
    }
  }

  /**
   * Gauges for metrics and leak checks: turns with live readers, readers subscribed to the hubs
   * and those of them parked waiting, the connections this registry holds, and script traffic.
   */
  stats(): {
    subscribedTurns: number;
    subscribers: number;
    waitingReaders: number;
    connections: number;
    scriptLoads: number;
    scriptCalls: number;
  } {
    const { loads, calls } = this.#runner.stats();
    const totals = { subscribedTurns: 0, subscribers: 0, waitingReaders: 0 };
    for (const { hub } of this.#groups.values()) {
      const stats = hub.stats();
      totals.subscribedTurns += stats.subscribedTurns;
      totals.subscribers += stats.subscribers;
      totals.waitingReaders += stats.waitingReaders;
    }
    return {
      ...totals,
      connections: this.#closed ? 0 : 1 + Math.max(1, this.#groups.size),
      scriptLoads: loads,
      scriptCalls: calls,
    };
  }

  /**
   * One append, after the turn's earlier ones: the fast XADD at the position this process
   * remembers, or the careful script when it remembers none (its first append to the turn, or
   * after a reconnect) or Redis refused the XADD. A guessed position could overlap chunks another
   * process wrote, so a position is never guessed.
   */
  async #appendNow(turnId: string, encoded: string[]): Promise<number | null> {
    this.#assertOpen();
    const known = this.#lastPositions.get(turnId);
    this.#appendCount += 1;
    const nonce = `${this.#noncePrefix}${this.#appendCount.toString(36)}`;
    if (known !== undefined && encoded.length > 0) {
      const last = known + encoded.length;
      let outcome: 'stored' | 'retry';
      try {
        outcome = await this.#commands.appendFast(turnId, last, nonce, encoded);
      } catch (error) {
        this.#lastPositions.delete(turnId);
        throw error;
      }
      if (outcome === 'stored') {
        this.#rememberPosition(turnId, last);
        return last;
      }
    }
    const last = await this.#commands.appendChecked(turnId, nonce, encoded);
    if (last === null) this.#lastPositions.delete(turnId);
    else this.#rememberPosition(turnId, last);
    return last;
  }

  #rememberPosition(turnId: string, position: number): void {
    this.#lastPositions.delete(turnId);
    this.#lastPositions.set(turnId, position);
    if (this.#lastPositions.size > defaults.rememberedPositions) {
      const oldest = this.#lastPositions.keys().next().value;
      if (oldest !== undefined) this.#lastPositions.delete(oldest);
    }
  }

  /** The hub that reads `turnId` live: the only one on a standalone Redis, its bucket's on a cluster. */
  #hubFor(turnId: string): StreamReadingHub {
    const group = this.#cluster ? this.#keys.bucketOf(turnId) : 0;
    const existing = this.#groups.get(group);
    if (existing) return existing.hub;
    const blocking = this.#connections.openBlocking();
    const wakeUpKey = this.#keys.readerWakeUp(this.#instanceId, group);
    const hub = new StreamReadingHub({
      blocking,
      command: this.#command,
      wakeUpKey,
      blockMs: this.#blockMs,
      readIntervalMs: () => this.#readIntervalMs * this.#activeGroups(),
      batchSize: defaults.pageSize,
      onError: this.#onError,
    });
    this.#groups.set(group, { hub, blocking, wakeUpKey });
    return hub;
  }

  /**
   * Hubs with readers. On a cluster each bucket read live has its own hub, and an XREAD may name
   * one bucket only: the hubs share one read budget (each reads at most once per interval times
   * their number), so a process sends about as many XREADs as on a standalone Redis however many
   * buckets its readers spread over, and a chunk waits longer for them.
   */
  #activeGroups(): number {
    let active = 0;
    for (const { hub } of this.#groups.values()) if (hub.active) active += 1;
    return Math.max(1, active);
  }

  async #failVanishedTurns(): Promise<void> {
    if (this.#closed) return;
    for (const { hub } of this.#groups.values()) {
      const turns = hub.subscribedTurns();
      if (turns.length === 0) continue;
      const exists = await Promise.all(
        turns.map(({ turnId }) => this.#command.exists(this.#keys.turnMeta(turnId))),
      );
      for (const [index, { turnId, streamKey }] of turns.entries()) {
        if (exists[index] === 0) hub.failTurn(streamKey, new TurnNotFoundError(turnId));
      }
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new RegistryClosedError();
  }
}
