import { randomUUID } from 'node:crypto';
import type { UIMessageChunk } from 'ai';
import type { Redis } from 'ioredis';
import {
  isTerminal,
  type LeaseResult,
  NotTerminalStatusError,
  type OpenTurnInput,
  type OpenTurnResult,
  type PositionedChunk,
  type ReadEvent,
  type ReadOptions,
  RegistryClosedError,
  type StreamRegistry,
  type TerminalStatus,
  TurnNotFoundError,
  type TurnRecord,
} from '../stream-registry.ts';
import { type ReadTurnContext, readTurn, readWholeLog } from './read-turn.ts';
import { openRegistryConnections } from './redis-connections.ts';
import { createRedisKeys, type RedisKeys } from './redis-keys.ts';
import { RegistryCommands, registryScripts } from './registry-commands.ts';
import { ScriptRunner } from './script-runner.ts';
import { StreamReadingHub } from './stream-reading-hub.ts';
import { decodeTurnRecord, encodeChunks } from './turn-record-codec.ts';

export interface RedisStreamRegistryOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  url: string;
  /** Namespace of every key; one deployment (or one test) per prefix. */
  keyPrefix: string;
  /** How long a finished turn stays readable after its terminal event. */
  finishedTurnTtlMs: number;
  /**
   * TTL of an active turn's keys, extended by lease refreshes, claims and cancels, and by appends
   * on the first chunk and every 64th position. Generous: it only reclaims turns that everything
   * else abandoned. Default 24 h.
   */
  activeTurnTtlMs?: number;
  /** CLIENT SETNAME of the registry's connections. Default `durable-chat:<keyPrefix>`. */
  clientName?: string;
  /** How often the turns of waiting readers are checked for having vanished. Default 30 s. */
  vanishedTurnCheckIntervalMs?: number;
  /** Upper bound of one blocking XREAD. Default 5 s. */
  blockMs?: number;
  /** Told about connection errors and failed background reads (which are retried). */
  onError?: (error: unknown) => void;
}

const defaults = {
  activeTurnTtlMs: 24 * 3_600_000,
  vanishedTurnCheckIntervalMs: 30_000,
  blockMs: 5_000,
  pageSize: 500,
  openTurnAttempts: 100,
};

/** The connections a registry opens, whatever its load: one for commands, one blocked in XREAD. */
export const redisConnectionsPerRegistry = 2;

/**
 * The StreamRegistry on Redis (see `redis-keys.ts` for the layout and `lua/` for every write):
 * a stream per turn for the chunks and the terminal event, a hash per turn for its state, a
 * session → active turn pointer and an index of active turns. Every state change is one Lua
 * script; every clock reading (createdAt, closedAt, leases) is Redis's `TIME`, so all processes
 * share one clock. Live reading goes through one `StreamReadingHub` per registry, so the
 * connection count stays at two however many readers wait.
 */
export class RedisStreamRegistry implements StreamRegistry {
  readonly #command: Redis;
  readonly #blocking: Redis;
  readonly #keys: RedisKeys;
  readonly #runner: ScriptRunner;
  readonly #commands: RegistryCommands;
  readonly #hub: StreamReadingHub;
  readonly #wakeUpKey: string;
  readonly #vanishedTurnCheck: NodeJS.Timeout;
  readonly #onError: (error: unknown) => void;
  readonly #readContext: ReadTurnContext;
  #closed = false;

  /** Connects both connections and loads the scripts; rejects when Redis cannot be reached. */
  static async connect(options: RedisStreamRegistryOptions): Promise<RedisStreamRegistry> {
    const keys = createRedisKeys(options.keyPrefix);
    for (const [name, value] of Object.entries({
      finishedTurnTtlMs: options.finishedTurnTtlMs,
      activeTurnTtlMs: options.activeTurnTtlMs ?? defaults.activeTurnTtlMs,
    })) {
      if (!(value >= 1)) throw new RangeError(`${name} must be a positive number of milliseconds`);
    }
    const { command, blocking } = await openRegistryConnections(
      options.url,
      options.clientName ?? `durable-chat:${options.keyPrefix}`,
      options.onError ?? (() => {}),
    );
    const runner = new ScriptRunner(command);
    try {
      await runner.load(registryScripts);
    } catch (error) {
      command.disconnect();
      blocking.disconnect();
      throw error;
    }
    return new RedisStreamRegistry(options, keys, command, blocking, runner);
  }

  private constructor(
    options: RedisStreamRegistryOptions,
    keys: RedisKeys,
    command: Redis,
    blocking: Redis,
    runner: ScriptRunner,
  ) {
    this.#keys = keys;
    this.#command = command;
    this.#blocking = blocking;
    this.#runner = runner;
    this.#onError = options.onError ?? (() => {});
    this.#commands = new RegistryCommands(runner, keys, {
      activeTurnTtlMs: Math.ceil(options.activeTurnTtlMs ?? defaults.activeTurnTtlMs),
      finishedTurnTtlMs: Math.ceil(options.finishedTurnTtlMs),
    });
    this.#wakeUpKey = keys.readerWakeUp(randomUUID());
    this.#hub = new StreamReadingHub({
      blocking,
      command,
      wakeUpKey: this.#wakeUpKey,
      blockMs: options.blockMs ?? defaults.blockMs,
      batchSize: defaults.pageSize,
      onError: this.#onError,
    });
    this.#readContext = {
      command,
      keys,
      hub: this.#hub,
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
    command.on('ready', () => {
      this.#failVanishedTurns().catch(this.#onError);
    });
  }

  /**
   * The command connection, for other state the deployment shares in this Redis (the message
   * rate limit), under keys `<keyPrefix>:…` of their own. Closed with the registry.
   */
  get commandConnection(): Redis {
    return this.#command;
  }

  async openTurn(input: OpenTurnInput): Promise<OpenTurnResult> {
    this.#assertOpen();
    // Optimistic: most sessions have no active turn; a moved pointer costs one more round trip.
    let seenPointer = '';
    for (let attempt = 0; attempt < defaults.openTurnAttempts; attempt += 1) {
      const reply = await this.#commands.openTurn(input, seenPointer);
      if (reply.outcome === 'opened') return { opened: true, turn: reply.turn };
      if (reply.outcome === 'busy') return { opened: false, activeTurn: reply.activeTurn };
      seenPointer = reply.pointer;
    }
    throw new Error(`the active turn of session ${input.sessionId} kept changing; try again`);
  }

  async append(turnId: string, chunks: readonly UIMessageChunk[]): Promise<number | null> {
    this.#assertOpen();
    return this.#commands.append(turnId, encodeChunks(chunks));
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
    const encoded = encodeChunks(chunks);
    // The session of a turn never changes, so reading it first cannot race; the script checks it.
    const sessionId = await this.#command.hget(this.#keys.turnMeta(turnId), 'sessionId');
    if (sessionId === null) throw new TurnNotFoundError(turnId);
    await this.#commands.publishClose(turnId, sessionId, encoded);
  }

  read(turnId: string, options: ReadOptions): AsyncIterable<ReadEvent> {
    return readTurn(this.#readContext, turnId, options.after, options.signal);
  }

  async readAll(turnId: string): Promise<PositionedChunk[]> {
    this.#assertOpen();
    const turn = await this.getTurn(turnId);
    if (!turn) throw new TurnNotFoundError(turnId);
    return readWholeLog(this.#readContext, turn);
  }

  async getTurn(turnId: string): Promise<TurnRecord | null> {
    this.#assertOpen();
    return decodeTurnRecord(turnId, await this.#command.hgetall(this.#keys.turnMeta(turnId)));
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
    const index = Object.entries(await this.#command.hgetall(this.#keys.activeTurns()));
    const statuses = await Promise.all(
      index.map(([turnId]) => this.#command.hget(this.#keys.turnMeta(turnId), 'status')),
    );
    const active: string[] = [];
    for (const [position, [turnId, sessionId]] of index.entries()) {
      const status = statuses[position];
      if (status === 'running' || status === 'closing') active.push(turnId);
      else if (!(await this.#commands.pruneActiveTurn(turnId, sessionId))) active.push(turnId);
    }
    return active;
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    this.#assertOpen();
    return this.#commands.acquireLock(name, owner, ttlMs);
  }

  /** Ends waiting readers (they reject), then closes both connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#vanishedTurnCheck);
    const stopped = this.#hub.close();
    this.#blocking.disconnect();
    await stopped;
    // Without a live connection, QUIT would wait in the offline queue for Redis to come back.
    if (this.#command.status !== 'ready') {
      this.#command.disconnect();
      return;
    }
    try {
      await this.#command.del(this.#wakeUpKey);
      await this.#command.quit();
    } catch {
      this.#command.disconnect();
    }
  }

  /**
   * Gauges for metrics and leak checks: turns with live readers, readers subscribed to the hub and
   * those of them parked waiting, the connections this registry holds, and script traffic.
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
    return {
      ...this.#hub.stats(),
      connections: this.#closed ? 0 : redisConnectionsPerRegistry,
      scriptLoads: loads,
      scriptCalls: calls,
    };
  }

  async #failVanishedTurns(): Promise<void> {
    const turns = this.#hub.subscribedTurns();
    if (turns.length === 0 || this.#closed) return;
    const exists = await Promise.all(
      turns.map(({ turnId }) => this.#command.exists(this.#keys.turnMeta(turnId))),
    );
    for (const [index, { turnId, streamKey }] of turns.entries()) {
      if (exists[index] === 0) this.#hub.failTurn(streamKey, new TurnNotFoundError(turnId));
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new RegistryClosedError();
  }
}
