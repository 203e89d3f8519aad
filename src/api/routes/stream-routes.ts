import { Hono } from 'hono';
import { parseEventId } from '../../protocol/event-id.ts';
import { TurnNotFoundError, type TurnRecord } from '../../registry/stream-registry.ts';
import { endTurn, settleStoredTurn } from '../../turn/end-turn.ts';
import type { ApiDependencies, ApiEnvironment } from '../api-dependencies.ts';
import { ApiError } from '../api-error.ts';
import { loadOwnedSession } from '../owned-session.ts';
import { readJsonBody } from '../request-body.ts';
import { streamBodySchema } from '../../protocol/http-schemas.ts';
import { resolveCursor } from '../stream-cursor.ts';
import { createTurnStreamResponse } from '../turn-stream-response.ts';
import { titleFromMessage, userMessageFromBody } from '../user-message.ts';

export function streamRoutes(dependencies: ApiDependencies): Hono<ApiEnvironment> {
  const { store, registry, queue, settings, logger } = dependencies;
  const routes = new Hono<ApiEnvironment>();
  const streamTurn = (turnId: string, after: number) =>
    createTurnStreamResponse({
      ...dependencies,
      turnId,
      after,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
    });

  routes.post('/sessions/:id/stream', async (context) => {
    const caller = context.get('caller');
    const session = await loadOwnedSession(dependencies, context.req.param('id'), caller);
    const body = await readJsonBody(context.req.raw, streamBodySchema, settings.maxBodyBytes);
    const userMessage = userMessageFromBody(body, settings.maxMessageChars);
    const turnId = crypto.randomUUID();
    const assistantMessageId = crypto.randomUUID();

    const opened = await registry.openTurn({
      turnId,
      sessionId: session.id,
      userId: session.userId,
      userMessageId: userMessage.id,
      assistantMessageId,
    });
    if (!opened.opened) {
      // The same message posted again while its turn runs is a retry: re-attach, don't refuse.
      if (opened.activeTurn.userMessageId === userMessage.id)
        return streamTurn(opened.activeTurn.turnId, 0);
      throw new ApiError('TURN_ALREADY_ACTIVE', undefined, { turn_id: opened.activeTurn.turnId });
    }
    const turn = opened.turn;
    let started: Awaited<ReturnType<typeof store.startTurn>>;
    try {
      await settleEarlierTurns(session.id);
      started = await store.startTurn({
        sessionId: session.id,
        userMessage,
        turnId,
        assistantMessageId,
      });
    } catch (error) {
      await abandonTurn(turn, 'could not persist the user message');
      throw error;
    }
    if (!started.created) {
      // A retry of a message whose turn already ended: replay it while the registry still has it.
      await abandonTurn(turn, 'duplicate message');
      const earlier = await registry.getTurn(started.turn.id);
      if (earlier) return streamTurn(earlier.turnId, 0);
      throw new ApiError('MESSAGE_ALREADY_ANSWERED');
    }
    if (session.title === null && userMessage.role === 'user') {
      await store.setTitleIfUnset(session.id, titleFromMessage(userMessage));
    }
    try {
      await queue.enqueue({
        turnId,
        sessionId: session.id,
        userId: session.userId,
        userMessageId: userMessage.id,
        assistantMessageId,
        enqueuedAt: Date.now(),
      });
    } catch (error) {
      // Nothing was streamed and no worker has it: undo the turn entirely, so the user message
      // is not left orphaned and the client can send the same message again once we recover.
      logger.error({ err: error, turnId }, 'could not enqueue the turn');
      await store.discardTurn(turnId);
      await abandonTurn(turn, 'the turn queue is unavailable');
      throw new ApiError('SERVICE_UNAVAILABLE');
    }
    return streamTurn(turnId, 0);
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
    return streamTurn(turn.turnId, resolveCursor(turn, lastEventId, afterQuery));
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

  /** Ends a turn that never reached the queue; nothing was streamed, nothing to persist. */
  async function abandonTurn(turn: TurnRecord, reason: string): Promise<void> {
    if (await registry.claimClose(turn.turnId, 'failed', reason))
      await registry.publishClose(turn.turnId, []);
  }

  /**
   * The registry has just let this session open a turn, so no earlier turn of it runs there; one
   * the store still has unfinished lost its registry state (a restarted Redis). It is ended here,
   * before the new user message is stored: left to the sweeper (which waits for a grace period),
   * its assistant message would be stored after the new turn's messages, out of order.
   */
  async function settleEarlierTurns(sessionId: string): Promise<void> {
    for (const stored of await store.listUnfinishedTurnsOfSession(sessionId)) {
      if (await settleStoredTurn(dependencies, stored)) {
        logger.warn({ turnId: stored.id, sessionId }, 'ended a turn the registry no longer ran');
      }
    }
  }

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
