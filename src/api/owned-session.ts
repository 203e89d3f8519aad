import type { Session } from '../store/chat-store.ts';
import type { SessionOwner } from './session-owners.ts';
import type { ApiDependencies } from './api-dependencies.ts';
import { ApiError } from './api-error.ts';
import type { Caller } from './authenticator.ts';
import { identifierSchema } from '../protocol/http-schemas.ts';

/**
 * The session if the caller may touch it. A foreign session answers exactly like a missing one
 * (invariant 7); an unowned session (created without an identity) is reachable by whoever knows
 * its id: the random id is the capability. Sessions owned by a visitor key are that visitor's.
 */
export async function loadOwnedSession(
  dependencies: ApiDependencies,
  sessionId: string,
  caller: Caller,
): Promise<Session> {
  if (!identifierSchema.safeParse(sessionId).success) throw new ApiError('SESSION_NOT_FOUND');
  const session = await dependencies.store.getSession(sessionId);
  if (session) dependencies.sessionOwners.remember(session);
  return mayTouch(session, caller);
}

/**
 * `loadOwnedSession` for a route that needs only who owns the session: from what this process
 * remembers (`SessionOwners`) when it can, from the store otherwise. A session deleted since it
 * was remembered passes here; the route's store call then finds it missing.
 */
export async function loadSessionOwner(
  dependencies: ApiDependencies,
  sessionId: string,
  caller: Caller,
): Promise<SessionOwner> {
  const remembered = dependencies.sessionOwners.get(sessionId);
  if (remembered === undefined) return loadOwnedSession(dependencies, sessionId, caller);
  return mayTouch(remembered, caller);
}

function mayTouch<Owned extends SessionOwner>(session: Owned | null, caller: Caller): Owned {
  if (!session || (session.userId !== null && session.userId !== caller.userId)) {
    throw new ApiError('SESSION_NOT_FOUND');
  }
  return session;
}

/** With auth on, routes that act on "my sessions" need a signed-in caller. */
export function requireSignedIn(dependencies: ApiDependencies, caller: Caller): void {
  if (dependencies.authenticator.enabled && caller.userId === null) {
    throw new ApiError('UNAUTHENTICATED');
  }
}

/**
 * Listing needs someone whose sessions to list: a signed-in user, or in anonymous mode a visitor.
 * Unowned sessions are never listed, so a caller without an identity has nothing to see.
 */
export function requireIdentity(dependencies: ApiDependencies, caller: Caller): string {
  if (caller.userId !== null) return caller.userId;
  throw new ApiError(dependencies.authenticator.enabled ? 'UNAUTHENTICATED' : 'IDENTITY_REQUIRED');
}
