import type { TurnLimitSettings } from '../config.ts';
import type { ChatStore, LimitScope } from '../store/chat-store.ts';
import { ApiError } from './api-error.ts';
import type { Caller } from './authenticator.ts';
import { isVisitorUserId } from './visitor-key.ts';

/**
 * The scope of `caller`'s limits when it posts to `sessionId`. A visitor counts per session like
 * a caller without a cookie: anyone can mint a visitor key, so a per-key count would hold nobody,
 * while a session runs one turn at a time whoever asks.
 */
export function limitScope(caller: Caller, sessionId: string): LimitScope {
  return caller.userId !== null && !isVisitorUserId(caller.userId)
    ? { userId: caller.userId }
    : { sessionId };
}

/**
 * Refuses a message that would start a turn while the caller's scope already has
 * `maxRunningTurnsPerUser` queued or running turns: 429 `TOO_MANY_RUNNING_TURNS`. The count is
 * read from the store every API process shares, so the limit holds across processes; two
 * requests racing past it at once may both start (a soft limit, off by at most the race).
 */
export async function checkRunningTurns(
  store: Pick<ChatStore, 'countUnfinishedTurns'>,
  settings: TurnLimitSettings,
  caller: Caller,
  sessionId: string,
): Promise<void> {
  const limit = settings.maxRunningTurnsPerUser;
  if (limit === 0) return;
  if ((await store.countUnfinishedTurns(limitScope(caller, sessionId))) < limit) return;
  throw new ApiError('TOO_MANY_RUNNING_TURNS', undefined, undefined, {
    retryAfterSeconds: settings.retryAfterSeconds,
  });
}

/**
 * Refuses a follow-up that would wait for a running turn while the caller's scope already has
 * `maxQueuedMessagesPerUser` of them waiting: 429 `TOO_MANY_QUEUED_MESSAGES` (soft under races,
 * like `checkRunningTurns`). Called before the follow-up is stored.
 */
export async function checkQueuedMessages(
  store: Pick<ChatStore, 'countPendingMessages'>,
  settings: TurnLimitSettings,
  caller: Caller,
  sessionId: string,
): Promise<void> {
  const limit = settings.maxQueuedMessagesPerUser;
  if (limit === 0) return;
  if ((await store.countPendingMessages(limitScope(caller, sessionId))) < limit) return;
  throw new ApiError('TOO_MANY_QUEUED_MESSAGES', undefined, undefined, {
    retryAfterSeconds: settings.retryAfterSeconds,
  });
}
