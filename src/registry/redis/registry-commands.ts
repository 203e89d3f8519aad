import { randomUUID } from 'node:crypto';
import type { LeaseResult, OpenTurnInput, TerminalStatus } from '../stream-registry.ts';
import type { RedisConnection } from './redis-connections.ts';
import type { RedisKeys } from './redis-keys.ts';
import { scriptCode, scriptError, UnexpectedScriptReplyError } from './script-codes.ts';
import { type LuaScript, readLuaScript, type ScriptRunner } from './script-runner.ts';
import { chunkEntryId } from './stream-ids.ts';

const scripts = {
  openTurn: readLuaScript('open-turn-3.lua'),
  takeSessionPointer: readLuaScript('take-session-pointer-1.lua'),
  discardTurn: readLuaScript('discard-turn-3.lua'),
  appendChecked: readLuaScript('append-checked-2.lua'),
  claimClose: readLuaScript('claim-close-2.lua'),
  publishClose: readLuaScript('publish-close-3.lua'),
  clearSessionPointer: readLuaScript('clear-session-pointer-1.lua'),
  confirmTurn: readLuaScript('confirm-turn-1.lua'),
  requestCancel: readLuaScript('request-cancel-2.lua'),
  noteFollowUp: readLuaScript('note-follow-up-1.lua'),
  acquireLease: readLuaScript('acquire-lease-1.lua'),
  refreshLease: readLuaScript('refresh-lease-2.lua'),
  acquireLock: readLuaScript('acquire-lock-1.lua'),
  pruneActiveTurn: readLuaScript('prune-active-turn-2.lua'),
} as const satisfies Record<string, LuaScript>;

export const registryScripts: readonly LuaScript[] = Object.values(scripts);

export type CreateTurnReply =
  { created: true; createdAt: number; enqueueDeadline: number | null } | { created: false };

export type TakeSessionReply = { taken: true } | { taken: false; pointer: string };

export interface RegistryTtls {
  activeTurnTtlMs: number;
  finishedTurnTtlMs: number;
}

/**
 * Refusals of the fast XADD the careful script sorts out: an id not after the stream's last one,
 * or, on a cluster, a slot that moved or is moving (ioredis leaves those unfollowed in a pipeline;
 * the script, sent alone, follows them).
 */
const carefulAppendPattern =
  /equal or smaller than the target stream top item|^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /;

/**
 * Typed wrappers of the registry's Redis commands: keys are built here, replies become results or
 * the errors of `script-codes.ts`. Scripts are named like their method; every script touches one
 * hash slot (see redis-keys.ts).
 */
export class RegistryCommands {
  readonly #runner: ScriptRunner;
  readonly #command: RedisConnection;
  readonly #keys: RedisKeys;
  readonly #ttls: RegistryTtls;

  constructor(runner: ScriptRunner, command: RedisConnection, keys: RedisKeys, ttls: RegistryTtls) {
    this.#runner = runner;
    this.#command = command;
    this.#keys = keys;
    this.#ttls = ttls;
  }

  /** Creates the turn in its own slot; it does not take the session (see `takeSession`). */
  async createTurn(input: OpenTurnInput): Promise<CreateTurnReply> {
    const reply = await this.#runner.run(scripts.openTurn, this.#turnKeysWithIndex(input.turnId), [
      input.turnId,
      input.sessionId,
      this.#ttls.activeTurnTtlMs,
      input.userMessageId,
      input.assistantMessageId,
      input.requestKey ?? input.userMessageId,
      input.enqueueTimeoutMs === undefined ? '' : Math.ceil(input.enqueueTimeoutMs),
      ...(input.userId === null ? [] : [input.userId]),
    ]);
    if (!Array.isArray(reply)) throw new UnexpectedScriptReplyError('open-turn', reply);
    const [code, createdAt, deadline] = reply as unknown[];
    if (code === scriptCode.turnExists) return { created: false };
    if (code !== 1) throw scriptError('open-turn', Number(code), input.turnId);
    return {
      created: true,
      createdAt: Number(createdAt),
      enqueueDeadline: deadline === '' || deadline === undefined ? null : Number(deadline),
    };
  }

  /**
   * Points the session at `turnId`: when it has no pointer (`seenPointer` ''), with one
   * `SET … NX GET`, otherwise only if the pointer still names `seenPointer`.
   */
  async takeSession(
    sessionId: string,
    turnId: string,
    seenPointer: string,
  ): Promise<TakeSessionReply> {
    const pointerKey = this.#keys.sessionActiveTurn(sessionId);
    if (seenPointer === '') {
      const previous = await this.#command.set(pointerKey, turnId, 'NX', 'GET');
      // A repeat (ioredis resends after a reset) finds its own id: the session is the turn's.
      if (previous === null || previous === turnId) return { taken: true };
      return { taken: false, pointer: previous };
    }
    const reply = await this.#runner.run(
      scripts.takeSessionPointer,
      [pointerKey],
      [seenPointer, turnId],
    );
    if (!Array.isArray(reply)) throw new UnexpectedScriptReplyError('take-session-pointer', reply);
    const [code, pointer] = reply as unknown[];
    // A repeat of a compare-and-set that succeeded finds the pointer naming this turn already.
    if (code === 1 || pointer === turnId) return { taken: true };
    return { taken: false, pointer: String(pointer ?? '') };
  }

  async discardTurn(turnId: string): Promise<boolean> {
    const reply = await this.#runner.run(scripts.discardTurn, this.#turnKeysWithIndex(turnId), [
      turnId,
    ]);
    return booleanReply('discard-turn', reply, turnId);
  }

  /**
   * The fast append: one XADD of one entry at the position the writer expects, refused by Redis
   * itself when the turn is frozen or gone. 'retry' when it was refused for a reason the careful
   * append sorts out (a wrong expectation, a repeat, a frozen or missing stream).
   */
  async appendFast(
    turnId: string,
    lastPosition: number,
    nonce: string,
    chunks: readonly string[],
  ): Promise<'stored' | 'retry'> {
    const fields: string[] = ['p', String(lastPosition), 'a', nonce];
    for (const chunk of chunks) fields.push('c', chunk);
    try {
      const id = await this.#command.xadd(
        this.#keys.turnStream(turnId),
        'NOMKSTREAM',
        chunkEntryId(lastPosition),
        ...fields,
      );
      return id === null ? 'retry' : 'stored';
    } catch (error) {
      if (error instanceof Error && carefulAppendPattern.test(error.message)) return 'retry';
      throw error;
    }
  }

  /**
   * The careful append (append-checked-2.lua) with the nonce the fast one used: the last position,
   * or null when the turn is not running.
   */
  async appendChecked(
    turnId: string,
    nonce: string,
    chunks: readonly string[],
  ): Promise<number | null> {
    const reply = await this.#runner.run(scripts.appendChecked, this.#turnKeys(turnId), [
      this.#ttls.activeTurnTtlMs,
      nonce,
      ...chunks,
    ]);
    const code = integerReply('append-checked', reply);
    if (code === scriptCode.turnNotRunning) return null;
    if (code < 0) throw scriptError('append-checked', code, turnId);
    return code;
  }

  async claimClose(turnId: string, status: TerminalStatus, error: string | null): Promise<boolean> {
    const reply = await this.#runner.run(scripts.claimClose, this.#turnKeys(turnId), [
      status,
      // Makes a repeat of this call (ioredis resends it after a reconnect) answer as the first did.
      randomUUID(),
      ...(error === null ? [] : [error]),
    ]);
    return booleanReply('claim-close', reply, turnId);
  }

  /**
   * Publishes the trailing chunks and the terminal entry; resolves to the last position and the
   * turn's session (whose pointer the caller frees next).
   */
  async publishClose(
    turnId: string,
    chunks: readonly string[],
  ): Promise<{ lastPosition: number; sessionId: string }> {
    const reply = await this.#runner.run(scripts.publishClose, this.#turnKeysWithIndex(turnId), [
      turnId,
      this.#ttls.finishedTurnTtlMs,
      randomUUID(),
      ...chunks,
    ]);
    if (!Array.isArray(reply)) throw new UnexpectedScriptReplyError('publish-close', reply);
    const [code, sessionId] = reply as unknown[];
    const position = integerReply('publish-close', code);
    if (position < 0) throw scriptError('publish-close', position, turnId);
    return { lastPosition: position, sessionId: String(sessionId) };
  }

  async clearSessionPointer(sessionId: string, turnId: string): Promise<boolean> {
    const reply = await this.#runner.run(
      scripts.clearSessionPointer,
      [this.#keys.sessionActiveTurn(sessionId)],
      [turnId],
    );
    return booleanReply('clear-session-pointer', reply, turnId);
  }

  async confirmTurn(turnId: string): Promise<boolean> {
    const reply = await this.#runner.run(scripts.confirmTurn, [this.#keys.turnMeta(turnId)], []);
    return booleanReply('confirm-turn', reply, turnId);
  }

  async requestCancel(turnId: string): Promise<boolean> {
    const reply = await this.#runner.run(scripts.requestCancel, this.#turnKeys(turnId), [
      this.#ttls.activeTurnTtlMs,
    ]);
    return booleanReply('request-cancel', reply, turnId);
  }

  async noteFollowUp(turnId: string): Promise<boolean> {
    const reply = await this.#runner.run(scripts.noteFollowUp, [this.#keys.turnMeta(turnId)], []);
    return booleanReply('note-follow-up', reply, turnId);
  }

  async countFollowUps(turnId: string): Promise<number> {
    return Number((await this.#command.hget(this.#keys.turnMeta(turnId), 'followUps')) ?? 0);
  }

  async acquireLease(turnId: string, owner: string, ttlMs: number): Promise<LeaseResult> {
    const reply = await this.#runner.run(
      scripts.acquireLease,
      [this.#keys.turnMeta(turnId)],
      [owner, Math.ceil(ttlMs)],
    );
    const code = integerReply('acquire-lease', reply);
    if (code === 1) return 'acquired';
    if (code === 2) return 'held';
    if (code === 3) return 'expired';
    if (code === 4) return 'cancel-requested';
    if (code === scriptCode.turnNotRunning) return 'not-running';
    throw scriptError('acquire-lease', code, turnId);
  }

  async refreshLease(turnId: string, owner: string, ttlMs: number): Promise<boolean> {
    const reply = await this.#runner.run(scripts.refreshLease, this.#turnKeys(turnId), [
      owner,
      Math.ceil(ttlMs),
      this.#ttls.activeTurnTtlMs,
    ]);
    return booleanReply('refresh-lease', reply, turnId);
  }

  async acquireLock(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const reply = await this.#runner.run(
      scripts.acquireLock,
      [this.#keys.lock(name)],
      [owner, Math.ceil(ttlMs)],
    );
    return booleanReply('acquire-lock', reply, name);
  }

  /** Drops an index entry whose turn is not active any more; true when it did. */
  async pruneActiveTurn(turnId: string): Promise<boolean> {
    const keys = this.#keys;
    const reply = await this.#runner.run(
      scripts.pruneActiveTurn,
      [keys.activeTurns(keys.bucketOf(turnId)), keys.turnMeta(turnId)],
      [turnId],
    );
    return booleanReply('prune-active-turn', reply, turnId);
  }

  #turnKeys(turnId: string): [string, string] {
    return [this.#keys.turnMeta(turnId), this.#keys.turnStream(turnId)];
  }

  #turnKeysWithIndex(turnId: string): [string, string, string] {
    return [...this.#turnKeys(turnId), this.#keys.activeTurns(this.#keys.bucketOf(turnId))];
  }
}

function integerReply(script: string, reply: unknown): number {
  if (typeof reply !== 'number' || !Number.isInteger(reply)) {
    throw new UnexpectedScriptReplyError(script, reply);
  }
  return reply;
}

function booleanReply(script: string, reply: unknown, subject: string): boolean {
  const code = integerReply(script, reply);
  if (code === 1) return true;
  if (code === 0) return false;
  throw scriptError(script, code, subject);
}
