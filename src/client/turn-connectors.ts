import type { UIMessage } from 'ai';
import { formatEventId } from '../protocol/event-id.ts';
import { type ApiConnection, sessionPath } from './api-connection.ts';
import type { SessionDetail } from './api-types.ts';
import type { TurnConnector, TurnCursor } from './resumable-turn-stream.ts';

const eventStream = { accept: 'text/event-stream' };

/**
 * Connections for a turn this client starts by POSTing `body`. Reconnects resume with
 * `Last-Event-ID`; when the turn ended while the client was away (the GET answers 204), the same
 * body is posted again: the server answers a repeated message id by replaying its turn, never by
 * starting a second one, and the reader drops what it already has.
 */
export function sendConnector(
  connection: ApiConnection,
  sessionId: string,
  body: unknown,
  headers: Record<string, string> = {},
): TurnConnector {
  const post = (signal: AbortSignal) =>
    connection.send('POST', sessionPath(sessionId, '/stream'), {
      body,
      signal,
      headers: { ...headers, ...eventStream },
    });
  return async ({ after, signal }) => {
    if (after === null) return post(signal);
    return (await getStream(connection, sessionId, after, signal, headers)) ?? post(signal);
  };
}

/**
 * Connections for re-attaching to whatever turn runs in the session. When that turn ends while
 * the client is away, its user message is found in the session and posted again to replay it.
 */
export function resumeConnector(
  connection: ApiConnection,
  sessionId: string,
  headers: Record<string, string> = {},
): TurnConnector {
  return async ({ after, assistantMessageId, signal }) => {
    const resumed = await getStream(connection, sessionId, after, signal, headers);
    if (resumed !== null || after === null) return resumed;
    return replayEndedTurn(connection, sessionId, assistantMessageId, signal, headers);
  };
}

async function getStream(
  connection: ApiConnection,
  sessionId: string,
  after: TurnCursor | null,
  signal: AbortSignal,
  headers: Record<string, string>,
): Promise<Response | null> {
  const response = await connection.send('GET', sessionPath(sessionId, '/stream'), {
    signal,
    headers: {
      ...headers,
      ...eventStream,
      ...(after ? { 'last-event-id': formatEventId(after.turnId, after.position) } : {}),
    },
  });
  return response.status === 204 ? null : response;
}

async function replayEndedTurn(
  connection: ApiConnection,
  sessionId: string,
  assistantMessageId: string | null,
  signal: AbortSignal,
  headers: Record<string, string>,
): Promise<Response | null> {
  if (assistantMessageId === null) return null;
  const session = await connection.json<SessionDetail>('GET', sessionPath(sessionId), {
    signal,
    headers,
  });
  const answerIndex = session.messages.findIndex((message) => message.id === assistantMessageId);
  if (answerIndex === -1) return null;
  const question = session.messages
    .slice(0, answerIndex)
    .findLast((message) => message.role === 'user');
  if (question === undefined) return null;
  return connection.send('POST', sessionPath(sessionId, '/stream'), {
    body: { message: textOf(question), message_id: question.id },
    signal,
    headers: { ...headers, ...eventStream },
  });
}

function textOf(message: UIMessage): string {
  return message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
}
