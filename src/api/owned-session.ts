import type { Session } from '../store/chat-store.ts';
import type { ApiDependencies } from './api-dependencies.ts';
import { ApiError } from './api-error.ts';
import type { Caller } from './authenticator.ts';
import { identifierSchema } from '../protocol/http-schemas.ts';

/**
 * The session if the caller may touch it. A foreign session answers exactly like a missing one
 * (invariant 7); an anonymous session (no owner) is reachable by whoever knows its id.
 */
export async function loadOwnedSession(
  dependencies: ApiDependencies,
  sessionId: string,
  caller: Caller,
): Promise<Session> {
  if (!identifierSchema.safeParse(sessionId).success) throw new ApiError('SESSION_NOT_FOUND');
  const session = await dependencies.store.getSession(sessionId);
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
