import { type Context, Hono } from 'hono';
import { parseEventId } from '../../protocol/event-id.ts';
import { multitaskHeader, streamAfterHeader } from '../../protocol/stream-headers.ts';
import type { TurnRecord } from '../../registry/stream-registry.ts';
import { cancelSessionTurn } from '../../turn/cancel-turn.ts';
import { placeMessage } from '../../turn/place-message.ts';
import { startTurn } from '../../turn/start-turn.ts';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';
import { ApiError } from '../api-error.ts';
import { loadOwnedOperation } from '../owned-operation.ts';
import { loadOwnedSession, loadSessionOwner } from '../owned-session.ts';
import { readJsonBody } from '../request-body.ts';
import { streamBodySchema } from '../../protocol/http-schemas.ts';
import { resolveCursor } from '../stream-cursor.ts';
import { checkQueuedMessages, checkRunningTurns } from '../turn-limits.ts';
import { createTurnStreamResponse } from '../turn-stream-response.ts';
import { fileIdsOf, turnRequestFromBody } from '../turn-request-from-body.ts';
import { withAttachedFiles } from '../attached-files.ts';
import { titleFromMessage } from '../../turn/title-from-message.ts';

export function streamRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const { registry, settings, callerLimits } = dependencies;
  const cancelDependencies = { ...dependencies, cancelForceCloseMs: settings.cancelForceCloseMs };
  const routes = new Hono<ApiEnvironment>();
  const streamTurn = (turnId: string, after: number, release: () => void, placed?: string) =>
    createTurnStreamResponse({
      ...dependencies,
      turnId,
      after,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      onClose: release,
      ...(placed === undefined
        ? {}
        : {
            headers: {
              [multitaskHeader]: placed,
              ...(after > 0 ? { [streamAfterHeader]: String(after) } : {}),
            },
          }),
    });
  /**
   * Runs `answer` holding one of the caller's stream slots: a stream response keeps it until it
   * ends, any other outcome (an error, a 204) frees it at once.
   */
  async function withStreamSlot(
    context: Context<ApiEnvironment>,
    answer: (release: () => void) => Promise<Response>,
  ): Promise<Response> {
    const release = callerLimits.reserveStream(
      callerLimits.callerKey(context, context.get('caller')),
    );
    try {
      const response = await answer(release);
      if (!response.body) release();
      return response;
    } catch (error) {
      release();
      throw error;
    }
  }

  routes.post('/sessions/:id/stream', async (context) => {
    const caller = context.get('caller');
    // The body arrives while the session is looked up: two waits overlap instead of adding up. The
    // session still answers first, so a missing one is a 404 whatever the body holds.
    const bodyRead = readJsonBody(context.req.raw, streamBodySchema, {
      maxBytes: settings.maxBodyBytes,
      timeoutMs: settings.requestBodyTimeoutMs,
    });
    bodyRead.catch(() => undefined);
    const session = await loadSessionOwner(dependencies, context.req.param('id'), caller);
    const body = await bodyRead;
    const request = await withAttachedFiles(
      { files: dependencies.files, mediaTypes: settings.files.mediaTypes },
      caller,
      turnRequestFromBody(body, settings.maxMessageChars),
      fileIdsOf(body),
    );
    const sent =
      request.type === 'message'
        ? request.message
        : request.type === 'regenerate'
          ? request.sendIfMissing
          : undefined;
    // A message of files alone has no words to name the session by: a later one titles it. A
    // session that has a title keeps it (the store sets one only where there is none).
    const newTitle = sent?.role === 'user' ? titleFromMessage(sent) : '';
    if (dependencies.executors && !(await dependencies.executors.isAvailable())) {
      // Queued, the turn would wait for nobody until the sweeper ended it: refuse it up front.
      throw new ApiError('NO_EXECUTOR_AVAILABLE');
    }
    await dependencies.messageRate.take(callerLimits.callerKey(context, caller));
    const { store } = dependencies;
    // Only what would start a new turn counts against the running-turn limit: a message that
    // joins the running turn (or retries its own) counts against the follow-up limit instead.
    const beforeStart = () => checkRunningTurns(store, settings.turnLimits, caller, session.id);
    const beforeFollowUp = () =>
      checkQueuedMessages(store, settings.turnLimits, caller, session.id);
    // Checked before the turn starts: a refused stream starts nothing.
    return withStreamSlot(context, async (release) => {
      const title = newTitle === '' ? {} : { title: newTitle };
      const outcome =
        request.type === 'message'
          ? await placeMessage(cancelDependencies, {
              session,
              message: request.message,
              // Only a user's message can join a running answer.
              multitask: request.message.role === 'user' ? (body.multitask ?? 'steer') : 'reject',
              // Without a limit nothing is checked: not even whether a turn runs.
              ...(settings.turnLimits.maxRunningTurnsPerUser > 0 ? { beforeStart } : {}),
              beforeFollowUp,
              ...title,
            })
          : await beforeStart().then(() => startTurn(dependencies, { session, request, ...title }));
      switch (outcome.type) {
        case 'started':
        case 'retried':
          // An approval's requester holds the answer the turn continues: it reads what follows.
          return streamTurn(outcome.turnId, outcome.after ?? 0, release, 'started');
        case 'steered':
        case 'queued':
        case 'interrupted':
          // The running turn's whole answer: the client rebuilds the message it already shows.
          return streamTurn(outcome.turnId, 0, release, outcome.type);
        case 'busy':
          throw new ApiError('TURN_ALREADY_ACTIVE', undefined, { turn_id: outcome.activeTurnId });
        case 'already-answered':
          throw new ApiError('MESSAGE_ALREADY_ANSWERED');
        case 'queue-unavailable':
          throw new ApiError('SERVICE_UNAVAILABLE');
      }
    });
  });

  routes.get('/sessions/:id/stream', async (context) => {
    const session = await loadOwnedSession(
      dependencies,
      context.req.param('id'),
      context.get('caller'),
    );
    const lastEventId = context.req.header('last-event-id');
    const afterQuery = context.req.query('after');
    const active = await registry.getActiveTurn(session.id);
    // A reader whose connection broke just before the end still gets the rest of its turn.
    const turn = active ?? (await endedTurnNamedBy(session.id, lastEventId ?? afterQuery));
    if (!turn) return context.body(null, 204);
    const after = resolveCursor(turn, lastEventId, afterQuery);
    return withStreamSlot(context, async (release) => streamTurn(turn.turnId, after, release));
  });

  /**
   * The continuation of an operation (the seed's task stream), by the operation's id: its whole
   * turn, or with `Last-Event-ID` / `?after=` exactly what followed that position. 204 while
   * no continuation has started, or once its stream is no longer replayable.
   */
  routes.get('/operations/:id/stream', async (context) => {
    const operation = await loadOwnedOperation(
      dependencies,
      context.req.param('id'),
      context.get('caller'),
    );
    const turn =
      operation.continuationTurnId === null
        ? null
        : await registry.getTurn(operation.continuationTurnId);
    if (!turn) return context.body(null, 204);
    const after = resolveCursor(
      turn,
      context.req.header('last-event-id'),
      context.req.query('after'),
    );
    return withStreamSlot(context, async (release) => streamTurn(turn.turnId, after, release));
  });

  routes.post('/sessions/:id/cancel', async (context) => {
    const session = await loadOwnedSession(
      dependencies,
      context.req.param('id'),
      context.get('caller'),
    );
    if (!(await cancelSessionTurn(cancelDependencies, session.id))) {
      return context.json({ cancelled: true, reason: 'no_active_session' });
    }
    return context.json({ cancelled: true });
  });

  /** The turn a `<turnId>:<position>` cursor names, if it is this session's and still replayable. */
  async function endedTurnNamedBy(
    sessionId: string,
    cursor: string | undefined,
  ): Promise<TurnRecord | null> {
    const turnId = cursor === undefined ? null : parseEventId(cursor)?.turnId;
    if (!turnId) return null;
    const turn = await registry.getTurn(turnId);
    return turn?.sessionId === sessionId ? turn : null;
  }

  return routes;
}
