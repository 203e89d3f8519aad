import type { AfterTurnEnded } from './end-turn.ts';
import { startTurn, type StartTurnDependencies } from './start-turn.ts';

/** Rounds of listing and starting before giving up to the sweeper (starters racing each other). */
const startAttempts = 3;

/**
 * Starts the next turn of a session from its waiting follow-ups (messages posted while a turn
 * ran that no model received): the oldest becomes the new turn's user message and the executor
 * hands the others to the model in its first step. Safe to call from any number of processes at
 * once: the registry opens one turn per session, and the store lets one turn take a message.
 * When a turn is active, nothing is started here: that turn takes the follow-ups at its next step
 * boundary, or its end calls this again.
 */
export async function startFollowUps(
  dependencies: StartTurnDependencies,
  sessionId: string,
): Promise<void> {
  // A follow-up that cannot start must not start itself again: no hook below.
  const withoutHook = withoutFollowUps(dependencies);
  for (let attempt = 0; attempt < startAttempts; attempt += 1) {
    const [first] = await dependencies.store.listPendingMessages(sessionId);
    if (!first) return;
    const session = await dependencies.store.getSession(sessionId);
    if (!session) return;
    const outcome = await startTurn(withoutHook, {
      session: { id: session.id, userId: session.userId },
      request: { type: 'message', message: first.message },
    });
    switch (outcome.type) {
      case 'started':
      case 'busy':
        return;
      case 'queue-unavailable':
        dependencies.logger.warn({ sessionId }, 'follow-up not started: the queue is unavailable');
        return;
      case 'retried':
      case 'already-answered':
        // Another starter took this message meanwhile; look again.
        continue;
    }
  }
}

/**
 * The hook every ending of a turn calls (see `EndTurnDependencies.afterTurnEnded`), for the
 * composition root. It never rejects: a failure is logged and left to the sweeper.
 */
export function followUpStarter(dependencies: StartTurnDependencies): AfterTurnEnded {
  return async (sessionId) => {
    try {
      await startFollowUps(dependencies, sessionId);
    } catch (error) {
      dependencies.logger.error({ err: error, sessionId }, 'could not start follow-ups');
    }
  };
}

function withoutFollowUps(dependencies: StartTurnDependencies): StartTurnDependencies {
  const copy = { ...dependencies };
  delete copy.afterTurnEnded;
  return copy;
}
