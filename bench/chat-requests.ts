import { randomUUID } from 'node:crypto';
import type { LoadTarget } from './load-job.ts';
import { type StreamOutcome, type StreamRequest, streamRequest } from './stream-client.ts';

/** The AI SDK `DefaultChatTransport` body for one new user message (both servers accept it). */
export function transportBody(sessionId: string, text: string) {
  return {
    id: sessionId,
    messages: [{ id: randomUUID(), role: 'user', parts: [{ type: 'text', text }] }],
    trigger: 'submit-message',
  };
}

/** A message the demo model answers with exactly `words` words (after `prefix` directives). */
export function messageText(turn: number, words: number, prefix = ''): string {
  return `${prefix}Benchmark turn ${turn} [demo:words=${words}]`.trim();
}

/** Starts one turn and streams it: `POST /chat` on the baseline, the session's stream route otherwise. */
export function postTurn(
  target: LoadTarget,
  sessionId: string,
  text: string,
  options: Pick<StreamRequest, 'onEvent' | 'stopWhen' | 'timeoutMs'>,
): Promise<StreamOutcome> {
  const url =
    target.kind === 'baseline'
      ? `${target.baseUrl}/chat`
      : `${target.baseUrl}/api/chat/sessions/${sessionId}/stream`;
  return streamRequest({ url, method: 'POST', body: transportBody(sessionId, text), ...options });
}

/** Re-attaches to the session's active turn after `lastEventId` (`GET /stream` + `Last-Event-ID`). */
export function resumeTurn(
  baseUrl: string,
  sessionId: string,
  lastEventId: string,
  options: Pick<StreamRequest, 'onEvent' | 'stopWhen' | 'timeoutMs'>,
): Promise<StreamOutcome> {
  return streamRequest({
    url: `${baseUrl}/api/chat/sessions/${sessionId}/stream`,
    method: 'GET',
    headers: { 'last-event-id': lastEventId },
    ...options,
  });
}

/**
 * `count` sessions of durable-chat (anonymous mode), `parallel` requests at a time; the baseline
 * has no sessions, so it gets placeholder ids.
 */
export async function createSessions(
  target: LoadTarget,
  count: number,
  parallel = 8,
): Promise<string[]> {
  if (target.kind === 'baseline') return Array.from({ length: count }, () => randomUUID());
  const ids: string[] = [];
  const worker = async () => {
    while (ids.length < count) {
      ids.push('');
      const slot = ids.length - 1;
      ids[slot] = await createSession(target.baseUrl);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  return ids;
}

export async function createSession(baseUrl: string): Promise<string> {
  const outcome = await streamRequest({
    url: `${baseUrl}/api/chat/sessions`,
    method: 'POST',
    timeoutMs: 30_000,
  });
  if (outcome.status !== 200 || outcome.plainBody === undefined) {
    throw new Error(`creating a session failed: ${outcome.status} ${outcome.plainBody ?? ''}`);
  }
  return (JSON.parse(outcome.plainBody) as { id: string }).id;
}
