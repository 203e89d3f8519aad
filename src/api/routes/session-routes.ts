import { Hono } from 'hono';
import type { Session } from '../../store/chat-store.ts';
import { noticeCancelledOperations } from '../../turn/cancel-operations.ts';
import { cancelSessionTurn } from '../../turn/cancel-turn.ts';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';
import { ApiError } from '../api-error.ts';
import { operationView } from '../operation-view.ts';
import { loadOwnedSession, requireIdentity, requireSignedIn } from '../owned-session.ts';
import { readJsonBody } from '../request-body.ts';
import { validated } from '../validated.ts';
import {
  defaultMessagePageSize,
  getSessionQuerySchema,
  listSessionsQuerySchema,
  renameSessionBodySchema,
} from '../../protocol/http-schemas.ts';

export function sessionRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const { store, registry, settings } = dependencies;
  const routes = new Hono<ApiEnvironment>();

  routes.get('/sessions', async (context) => {
    const userId = requireIdentity(dependencies, context.get('caller'));
    const query = validated(listSessionsQuerySchema, context.req.query());
    const { sessions, total } = await store.listSessions({ userId, ...query });
    const summaries = await Promise.all(
      sessions.map(async (session) => ({
        id: session.id,
        created_at: session.createdAt.toISOString(),
        updated_at: session.updatedAt.toISOString(),
        title: session.title,
        active: (await registry.getActiveTurn(session.id)) !== null,
      })),
    );
    return context.json({ sessions: summaries, total });
  });

  routes.post('/sessions', async (context) => {
    const caller = context.get('caller');
    const { callerLimits } = dependencies;
    callerLimits.takeSessionCreation(callerLimits.callerKey(context, caller));
    const session = await store.createSession({ userId: caller.userId });
    dependencies.sessionOwners.remember(session);
    return context.json(
      { id: session.id, created_at: session.createdAt.toISOString(), user_id: session.userId },
      200,
    );
  });

  routes.get('/sessions/:id', async (context) => {
    const session = await loadOwnedSession(
      dependencies,
      context.req.param('id'),
      context.get('caller'),
    );
    const { limit, before_sequence: beforeSequence } = validated(
      getSessionQuerySchema,
      context.req.query(),
    );
    const paged = limit !== undefined || beforeSequence !== undefined;
    const [page, active, pending, operations] = await Promise.all([
      store.listMessagePage(session.id, {
        ...(paged ? { limit: limit ?? defaultMessagePageSize } : {}),
        ...(beforeSequence === undefined ? {} : { beforeSequence }),
      }),
      // An older page is read while the newest one is on screen: the running turn was on that.
      beforeSequence === undefined ? registry.getActiveTurn(session.id) : null,
      store.listPendingMessages(session.id),
      store.listOperationsOfSession(session.id),
    ]);
    // A regenerate's turn learns which message it answers from the store.
    const answering = active?.userMessageId === '' ? await store.getTurn(active.turnId) : null;
    return context.json({
      ...describeSession(session),
      messages: page.messages,
      has_more_messages: page.hasMore,
      oldest_sequence: page.oldestSequence,
      total_prompt_tokens: session.usage.inputTokens,
      total_completion_tokens: session.usage.outputTokens,
      active_stream: active
        ? {
            turn_id: active.turnId,
            last_message_id: answering?.userMessageId ?? active.userMessageId,
            assistant_message_id: active.assistantMessageId,
          }
        : null,
      // An operation's continuation waiting to start is no follow-up of the user's.
      pending_messages: pending.flatMap(({ message, mode, createdAt }) =>
        mode === 'continue'
          ? []
          : [
              {
                id: message.id,
                role: 'user' as const,
                parts: message.parts,
                ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
                mode,
                created_at: createdAt.toISOString(),
              },
            ],
      ),
      operations: operations.map(operationView),
    });
  });

  routes.patch('/sessions/:id/title', async (context) => {
    const caller = context.get('caller');
    requireSignedIn(dependencies, caller);
    const session = await loadOwnedSession(dependencies, context.req.param('id'), caller);
    const { title } = await readJsonBody(context.req.raw, renameSessionBodySchema, {
      maxBytes: settings.maxBodyBytes,
      timeoutMs: settings.requestBodyTimeoutMs,
    });
    await store.renameSession(session.id, title);
    return context.json({ status: 'ok' as const, id: session.id, title });
  });

  routes.delete('/sessions/:id', async (context) => {
    const caller = context.get('caller');
    requireSignedIn(dependencies, caller);
    const session = await loadOwnedSession(dependencies, context.req.param('id'), caller);
    // Deleting a session stops its turn first, so no worker keeps spending tokens on it; at once,
    // without waiting for the worker: what the turn would still write is deleted with it.
    await cancelSessionTurn({ ...dependencies, cancelForceCloseMs: 0 }, session.id);
    // Its operations go with it; their services hear of it after the rows are gone, so a
    // completion racing the delete finds nothing to continue.
    const operations = await store.listOperationsOfSession(session.id);
    await store.deleteSession(session.id);
    dependencies.sessionOwners.forget(session.id);
    void noticeCancelledOperations(dependencies, operations);
    return context.body(null, 204);
  });

  routes.patch('/sessions/:id/assign-user', async (context) => {
    const caller = context.get('caller');
    if (!dependencies.authenticator.enabled) {
      // A visitor key is no account: claiming would only move a chat between browsers.
      throw new ApiError(
        'UNAUTHENTICATED',
        'Sign-in is not configured on this server, so sessions cannot be claimed.',
      );
    }
    if (caller.userId === null) throw new ApiError('UNAUTHENTICATED');
    const sessionId = context.req.param('id');
    await loadOwnedSession(dependencies, sessionId, caller);
    const result = await store.assignUser(sessionId, caller.userId);
    dependencies.sessionOwners.forget(sessionId);
    if (result === 'not-found' || result === 'owned-by-another')
      throw new ApiError('SESSION_NOT_FOUND');
    return context.json({ status: 'ok', user_id: caller.userId });
  });

  return routes;
}

function describeSession(session: Session) {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    updated_at: session.updatedAt.toISOString(),
    user_id: session.userId,
    title: session.title,
  };
}
