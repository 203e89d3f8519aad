import { TurnExistsError, TurnNotClosingError, TurnNotFoundError } from '../stream-registry.ts';

/**
 * The negative codes the registry's Lua scripts return (each script's header says which). Positive
 * replies are results (a position, 1 for done, 0 for refused); this is the one place that gives the
 * negative ones a meaning, so a script and its caller cannot drift apart silently.
 */
export const scriptCode = {
  turnNotFound: -1,
  turnNotRunning: -2,
  turnNotClosing: -3,
  turnExists: -4,
  sessionBusy: -5,
  sessionPointerMoved: -6,
  sessionMismatch: -7,
} as const;

export type ScriptCode = (typeof scriptCode)[keyof typeof scriptCode];

/** A reply code no caller expected: a script and the adapter disagree (a bug, never user input). */
export class UnexpectedScriptReplyError extends Error {
  readonly script: string;
  readonly reply: unknown;
  constructor(script: string, reply: unknown) {
    super(`script ${script} returned an unexpected reply: ${JSON.stringify(reply)}`);
    this.name = 'UnexpectedScriptReplyError';
    this.script = script;
    this.reply = reply;
  }
}

/**
 * The error a failing code means for a turn. Codes that are ordinary outcomes (an append refused
 * after the close, a busy session) are turned into results by the command wrappers instead.
 */
export function scriptError(script: string, code: number, turnId: string): Error {
  switch (code) {
    case scriptCode.turnNotFound:
      return new TurnNotFoundError(turnId);
    case scriptCode.turnNotRunning:
      return new Error(`turn ${turnId} is not running`);
    case scriptCode.turnNotClosing:
      return new TurnNotClosingError(turnId);
    case scriptCode.turnExists:
      return new TurnExistsError(turnId);
    case scriptCode.sessionMismatch:
      return new Error(`turn ${turnId} belongs to another session than the one given`);
    default:
      return new UnexpectedScriptReplyError(script, code);
  }
}
