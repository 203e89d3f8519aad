import { type Context, Hono } from 'hono';
import { identifierSchema, operationCompletionBodySchema } from '../../protocol/http-schemas.ts';
import type { Operation } from '../../store/chat-store.ts';
import { endOperation } from '../../turn/end-operation.ts';
import { matchesDigest, secretDigest } from '../../turn/operation-token.ts';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';
import { ApiError } from '../api-error.ts';
import { operationView } from '../operation-view.ts';
import { loadOwnedOperation } from '../owned-operation.ts';
import { readJsonBody } from '../request-body.ts';

/**
 * Long-running operations: their services complete them here (the seed's webhook), their owners
 * look at them. The stream of an operation's continuation is a stream route.
 */
export function operationRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const { settings } = dependencies;
  const routes = new Hono<ApiEnvironment>();
  const internalKeyDigest =
    settings.internalApiKey === undefined ? null : secretDigest(settings.internalApiKey);

  /**
   * The operation a completion may end: with the internal key any operation, with a token only
   * the operation it was handed out for. Unauthenticated callers learn nothing about which
   * operations exist (401 before any lookup; a token never tells a foreign id from a missing one
   * that a wrong token would also fail).
   */
  async function authorisedOperation(context: Context<ApiEnvironment>): Promise<Operation> {
    const operationId = context.req.param('id') ?? '';
    const apiKey = context.req.header('x-api-key');
    const token = context.req.header('x-completion-token');
    if (apiKey !== undefined) {
      if (internalKeyDigest === null) throw new ApiError('INTERNAL_API_KEY_NOT_CONFIGURED');
      if (!matchesDigest(apiKey, internalKeyDigest)) throw new ApiError('INVALID_API_KEY');
    } else if (token === undefined) {
      throw new ApiError('COMPLETION_UNAUTHORIZED');
    }
    const operation = identifierSchema.safeParse(operationId).success
      ? await dependencies.store.getOperation(operationId)
      : null;
    if (operation === null) throw new ApiError('OPERATION_NOT_FOUND');
    if (apiKey === undefined && !matchesDigest(token ?? '', operation.completionTokenHash)) {
      throw new ApiError('INVALID_COMPLETION_TOKEN');
    }
    return operation;
  }

  routes.post('/operations/:id/complete', async (context) => {
    const operation = await authorisedOperation(context);
    const body = await readJsonBody(context.req.raw, operationCompletionBodySchema, {
      maxBytes: settings.maxBodyBytes,
      timeoutMs: settings.requestBodyTimeoutMs,
    });
    const ended = await endOperation(dependencies, {
      operationId: operation.id,
      status: body.success ? 'completed' : 'failed',
      result: body.result ?? null,
      error: body.success ? null : (body.error ?? 'the service reported a failure'),
    });
    if (ended.type === 'not-found') throw new ApiError('OPERATION_NOT_FOUND');
    return context.json({
      status: 'ok' as const,
      operation_id: ended.operation.id,
      operation_status: ended.operation.status,
      already_ended: ended.type === 'already-ended',
    });
  });

  routes.get('/operations/:id', async (context) => {
    const operation = await loadOwnedOperation(
      dependencies,
      context.req.param('id'),
      context.get('caller'),
    );
    return context.json(operationView(operation));
  });

  return routes;
}
