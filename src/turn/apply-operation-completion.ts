import { identifierSchema } from '../protocol/http-schemas.ts';
import type { OperationCompletionHandler } from '../queue/turn-queue.ts';
import type { EndTurnDependencies } from './end-turn.ts';
import { endOperation } from './end-operation.ts';

/**
 * Applies completions that arrive over the turn queue the way the webhook applies its own:
 * through `endOperation`, so a second completion (a redelivery, the same message published
 * twice, the webhook as well) changes nothing. A completion naming no operation of ours is
 * logged and consumed — redelivering it could never help. A store failure rejects, and the
 * queue hands the completion out again later.
 */
export function operationCompletionHandler(
  dependencies: EndTurnDependencies,
): OperationCompletionHandler {
  const { logger } = dependencies;
  return async (completion) => {
    const { operationId, success } = completion;
    if (!identifierSchema.safeParse(operationId).success) {
      logger.warn(
        { operationId: operationId.slice(0, 200) },
        'ignoring a completion with an invalid operation id',
      );
      return;
    }
    const ended = await endOperation(dependencies, {
      operationId,
      status: success ? 'completed' : 'failed',
      result: completion.result ?? null,
      error: success ? null : (completion.error ?? 'the service reported a failure'),
    });
    if (ended.type === 'not-found') {
      logger.warn({ operationId }, 'ignoring a completion for an unknown operation');
    } else if (ended.type === 'already-ended') {
      logger.info(
        { operationId, status: ended.operation.status },
        'ignoring a completion for an operation that has already ended',
      );
    }
  };
}
