import { formatEventId } from '../protocol/event-id.ts';
import { type ApiConnection, operationPath, sessionPath } from './api-connection.ts';
import type { TurnConnector, TurnCursor } from './resumable-turn-stream.ts';

const eventStream = { accept: 'text/event-stream' };

/**
 * Connections for a turn this client starts by POSTing `body`. Until the first chunk arrives
 * a lost connection posts the same body again: the server answers a repeated message id by
 * re-attaching to (or replaying) its turn, never by starting a second one. After that, it
 * resumes with `Last-Event-ID`, which the server honours also for a turn that ended meanwhile.
 */
export function sendConnector(
  connection: ApiConnection,
  sessionId: string,
  body: unknown,
  headers: Record<string, string> = {},
): TurnConnector {
  return async ({ after, signal }) => {
    if (after !== null) {
      return getStream(connection, sessionPath(sessionId, '/stream'), after, signal, headers);
    }
    return connection.send('POST', sessionPath(sessionId, '/stream'), {
      body,
      signal,
      headers: { ...headers, ...eventStream },
    });
  };
}

/** Connections for re-attaching to the turn that runs in the session (or after a cursor). */
export function resumeConnector(
  connection: ApiConnection,
  sessionId: string,
  headers: Record<string, string> = {},
): TurnConnector {
  return ({ after, signal }) =>
    getStream(connection, sessionPath(sessionId, '/stream'), after, signal, headers);
}

/** GET of a stream route, after a cursor when given; null for a 204 (nothing to stream). */
async function getStream(
  connection: ApiConnection,
  path: string,
  after: TurnCursor | null,
  signal: AbortSignal,
  headers: Record<string, string>,
): Promise<Response | null> {
  const response = await connection.send('GET', path, {
    signal,
    headers: {
      ...headers,
      ...eventStream,
      ...(after ? { 'last-event-id': formatEventId(after.turnId, after.position) } : {}),
    },
  });
  return response.status === 204 ? null : response;
}

/**
 * Connections for the continuation turn of an operation (the turn that carries on with its
 * outcome): from its first chunk, or after a cursor. 204 (null) while no continuation started.
 */
export function operationConnector(
  connection: ApiConnection,
  operationId: string,
  headers: Record<string, string> = {},
): TurnConnector {
  return ({ after, signal }) =>
    getStream(connection, operationPath(operationId, '/stream'), after, signal, headers);
}
