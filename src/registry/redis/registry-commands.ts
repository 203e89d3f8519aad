import { randomUUID } from 'node:crypto';
import type { LeaseResult, OpenTurnInput, TerminalStatus, TurnRecord } from '../stream-registry.ts';
import type { RedisKeys } from './redis-keys.ts';
import { scriptCode, scriptError, UnexpectedScriptReplyError } from './script-codes.ts';
import { type LuaScript, readLuaScript, type ScriptRunner } from './script-runner.ts';
import { decodeTurnRecord, fieldsFromList } from './turn-record-codec.ts';

const scripts = {
  openTurn: readLuaScript('open-turn-4.lua'),
  append: readLuaScript('append-2.lua'),
  claimClose: readLuaScript('claim-close-2.lua'),
  publishClose: readLuaScript('publish-close-4.lua'),
  confirmTurn: readLuaScript('confirm-turn-1.lua'),
  requestCancel: readLuaScript('request-cancel-2.lua'),
  acquireLease: readLuaScript('acquire-lease-2.lua'),
  refreshLease: readLuaScript('refresh-lease-2.lua'),
  acquireLock: readLuaScript('acquire-lock-1.lua'),
  pruneActiveTurn: readLuaScript('prune-active-turn-3.lua'),
} as const satisfies Record<string, LuaScript>;

export const registryScripts: readonly LuaScript[] = Object.values(scripts);

export type OpenTurnReply =
  | { outcome: 'opened'; turn: TurnRecord }
  | { outcome: 'busy'; activeTurn: TurnRecord }
  | { outcome: 'pointer-moved'; pointer: string };

export interface RegistryTtls {
  activeTurnTtlMs: number;
  finishedTurnTtlMs: number;
}

/**
 * Typed wrappers of the Lua scripts: keys are built here, replies become results or the errors of
 * `script-codes.ts`. One method per script, named like it.
 */
export class RegistryCommands {
  readonly #runner: ScriptRunner;
  readonly #keys: RedisKeys;
  readonly #ttls: RegistryTtls;

  constructor(runner: ScriptRunner, keys: RedisKeys, ttls: RegistryTtls) {
    this.#runner = runner;
    this.#keys = keys;
    this.#ttls = ttls;
  }

  /** `seenPointer`: the session pointer as the caller read it ('' for none). */
  async openTurn(input: OpenTurnInput, seenPointer: string): Promise<OpenTurnReply> {
    const keys = this.#keys;
    const metaKey = keys.turnMeta(input.turnId);
    const reply = await this.#runner.run(
      scripts.openTurn,
      [
        metaKey,
        keys.sessionActiveTurn(input.sessionId),
        keys.activeTurns(),
        seenPointer === '' ? metaKey : keys.turnMeta(seenPointer),
      ],
      [
        input.turnId,
        input.sessionId,
        seenPointer,
        this.#ttls.activeTurnTtlMs,
        input.userMessageId,
        input.assistantMessageId,
        input.requestKey ?? input.userMessageId,
        input.enqueueTimeoutMs === undefined ? '' : Math.ceil(input.enqueueTimeoutMs),
        ...(input.userId === null ? [] : [input.userId]),
      ],
    );
    if (!Array.isArray(reply)) throw new UnexpectedScriptReplyError('open-turn', reply);
    const [code, ...rest] = reply as unknown[];
    if (code === scriptCode.sessionPointerMoved) {
      return { outcome: 'pointer-moved', pointer: String(rest[0] ?? '') };
    }
    if (code === 1 || code === scriptCode.sessionBusy) {
      const turnId = code === 1 ? input.turnId : seenPointer;
      const turn = decodeTurnRecord(turnId, fieldsFromList(rest));
      if (!turn) throw new UnexpectedScriptReplyError('open-turn', reply);
      return code === 1 ? { outcome: 'opened', turn } : { outcome: 'busy', activeTurn: turn };
    }
    throw scriptError('open-turn', Number(code), input.turnId);
  }

  /** The last position, or null when the turn is not running. */
  async append(turnId: string, chunks: readonly string[]): Promise<number | null> {
    const reply = await this.#runner.run(scripts.append, this.#turnKeys(turnId), [
      this.#ttls.activeTurnTtlMs,
      // Makes a repeat of this call (ioredis resends it after a reconnect) store nothing.
      randomUUID(),
      ...chunks,
    ]);
    const code = integerReply('append', reply);
    if (code === scriptCode.turnNotRunning) return null;
    if (code < 0) throw scriptError('append', code, turnId);
    return code;
  }

  async claimClose(turnId: string, status: TerminalStatus, error: string | null): Promise<boolean> {
    const reply = await this.#runner.run(scripts.claimClose, this.#turnKeys(turnId), [
      status,
      this.#ttls.activeTurnTtlMs,
      // Makes a repeat of this call (ioredis resends it after a reconnect) answer as the first did.
      randomUUID(),
      ...(error === null ? [] : [error]),
    ]);
    return booleanReply('claim-close', reply, turnId);
  }

  /** Publishes the trailing chunks and the terminal entry; resolves to the last position. */
  async publishClose(
    turnId: string,
    sessionId: string,
    chunks: readonly string[],
  ): Promise<number> {
    const keys = this.#keys;
    const reply = await this.#runner.run(
      scripts.publishClose,
      [...this.#turnKeys(turnId), keys.sessionActiveTurn(sessionId), keys.activeTurns()],
      [turnId, sessionId, this.#ttls.finishedTurnTtlMs, randomUUID(), ...chunks],
    );
    const code = integerReply('publish-close', reply);
    if (code < 0) throw scriptError('publish-close', code, turnId);
    return code;
  }

  async confirmTurn(turnId: string): Promise<boolean> {
    const reply = await this.#runner.run(
      scripts.confirmTurn,
      [this.#keys.turnMeta(turnId)],
      [this.#ttls.activeTurnTtlMs],
    );
    return booleanReply('confirm-turn', reply, turnId);
  }

  async requestCancel(turnId: string): Promise<boolean> {
    const reply = await this.#runner.run(scripts.requestCancel, this.#turnKeys(turnId), [
      this.#ttls.activeTurnTtlMs,
    ]);
    return booleanReply('request-cancel', reply, turnId);
  }

  async acquireLease(turnId: string, owner: string, ttlMs: number): Promise<LeaseResult> {
    const reply = await this.#runner.run(scripts.acquireLease, this.#turnKeys(turnId), [
      owner,
      Math.ceil(ttlMs),
      this.#ttls.activeTurnTtlMs,
    ]);
    const code = integerReply('acquire-lease', reply);
    if (code === 1) return 'acquired';
    if (code === 2) return 'held';
    if (code === 3) return 'expired';
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
  async pruneActiveTurn(turnId: string, sessionId: string): Promise<boolean> {
    const keys = this.#keys;
    const reply = await this.#runner.run(
      scripts.pruneActiveTurn,
      [keys.activeTurns(), keys.turnMeta(turnId), keys.sessionActiveTurn(sessionId)],
      [turnId],
    );
    return booleanReply('prune-active-turn', reply, turnId);
  }

  #turnKeys(turnId: string): [string, string] {
    return [this.#keys.turnMeta(turnId), this.#keys.turnStream(turnId)];
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
