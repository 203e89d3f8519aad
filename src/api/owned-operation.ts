import { identifierSchema } from '../protocol/http-schemas.ts';
import type { Operation } from '../store/chat-store.ts';
import type { ApiDependencies } from './api-dependencies.ts';
import { ApiError } from './api-error.ts';
import type { Caller } from './authenticator.ts';
import { loadOwnedSession } from './owned-session.ts';

/** The operation if the caller owns its session; a foreign one answers like a missing one. */
export async function loadOwnedOperation(
  dependencies: ApiDependencies,
  operationId: string,
  caller: Caller,
): Promise<Operation> {
  if (!identifierSchema.safeParse(operationId).success) throw new ApiError('OPERATION_NOT_FOUND');
  const operation = await dependencies.store.getOperation(operationId);
  if (operation === null) throw new ApiError('OPERATION_NOT_FOUND');
  try {
    await loadOwnedSession(dependencies, operation.sessionId, caller);
  } catch {
    throw new ApiError('OPERATION_NOT_FOUND');
  }
  return operation;
}
