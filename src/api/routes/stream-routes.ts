import { type Context, Hono } from 'hono';
import { parseEventId } from '../../protocol/event-id.ts';
import { TurnNotFoundError, type TurnRecord } from '../../registry/stream-registry.ts';
import { endTurn } from '../../turn/end-turn.ts';
import { startTurn } from '../../turn/start-turn.ts';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';
import { ApiError } from '../api-error.ts';
import { loadOwnedSession } from '../owned-session.ts';
import { readJsonBody } from '../request-body.ts';
import { streamBodySchema } from '../../protocol/http-schemas.ts';
import { resolveCursor } from '../stream-cursor.ts';
import { checkRunningTurns } from '../turn-limits.ts';
import { createTurnStreamResponse } from '../turn-stream-response.ts';
import { turnRequestFromBody } from '../turn-request-from-body.ts';
import { titleFromMessage } from '../user-message.ts';

export function streamRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const { store, registry, queue, settings, logger, callerLimits } = dependencies;
  const routes = new Hono<ApiEnvironment>();
  const streamTurn = (turnId: string, after: number, release: () => void) =>
    createTurnStreamResponse({
      ...dependencies,
      turnId,
      after,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      onClose: release,
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
    const session = await loadOwnedSession(dependencies, context.req.param('id'), caller);
    const body = await readJsonBody(context.req.raw, streamBodySchema, {
      maxBytes: settings.maxBodyBytes,
      timeoutMs: settings.requestBodyTimeoutMs,
    });
    const request = turnRequestFromBody(body, settings.maxMessageChars);
    const sent =
      request.type === 'message'
        ? request.message
        : request.type === 'regenerate'
          ? request.sendIfMissing
          : undefined;
    const titled = session.title === null && sent?.role === 'user';
    if (dependencies.executors && !(await dependencies.executors.isAvailable())) {
      // Queued, the turn would wait for nobody until the sweeper ended it: refuse it up front.
      throw new ApiError('NO_EXECUTOR_AVAILABLE');
    }
    await checkRunningTurns(store, settings.turnLimits, caller, session.id);
    await dependencies.messageRate.take(callerLimits.callerKey(context, caller));
    // Checked before the turn starts: a refused stream starts nothing.
    return withStreamSlot(context, async (release) => {
      const outcome = await startTurn(dependencies, {
        session,
        request,
        ...(titled ? { title: titleFromMessage(sent) } : {}),
      });
      switch (outcome.type) {
        case 'started':
        case 'retried':
          return streamTurn(outcome.turnId, 0, release);
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

  routes.post('/sessions/:id/cancel', async (context) => {
    const session = await loadOwnedSession(
      dependencies,
      context.req.param('id'),
      context.get('caller'),
    );
    const active = await registry.getActiveTurn(session.id);
    if (!active) return context.json({ cancelled: true, reason: 'no_active_session' });
    await registry.requestCancel(active.turnId);
    await queue.broadcastCancel(active.turnId);
    if ((await store.getTurn(active.turnId))?.status === 'queued') {
      // No worker has started it, and it may wait behind other turns for long: end it here. A
      // worker that takes it meanwhile finds it ended, or has its appends refused.
      await endTurn(dependencies, active, { status: 'cancelled' });
      return context.json({ cancelled: true });
    }
    if (!(await waitUntilEnded(active.turnId, settings.cancelForceCloseMs))) {
      // The worker did not stop in time (stuck, or gone): end the turn here, by the same
      // compare-and-set, so Stop always stops.
      logger.warn({ turnId: active.turnId }, 'cancel not confirmed in time; force-closing');
      await endTurn(dependencies, active, { status: 'cancelled' });
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

  /** Waits for the turn's terminal event (event-driven: a registry read, not polling). */
  async function waitUntilEnded(turnId: string, timeoutMs: number): Promise<boolean> {
    const turn = await registry.getTurn(turnId);
    if (!turn || (turn.status !== 'running' && turn.status !== 'closing')) return true;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      for await (const event of registry.read(turnId, { after: turn.lastPosition, signal })) {
        if (event.type === 'end') return true;
      }
    } catch (error) {
      if (error instanceof TurnNotFoundError) return true;
      throw error;
    }
    return false;
  }

  return routes;
}
