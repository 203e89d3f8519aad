import assert from 'node:assert/strict';
import { type UIMessage, type UIMessageChunk } from 'ai';
import { foldAssistantMessage } from '../../src/turn/fold-assistant-message.ts';
import { planDemoResponse } from '../../src/model/demo-response-plan.ts';
import type { TerminalStatus } from '../../src/registry/stream-registry.ts';
import {
  chunksOf,
  parseSseId,
  type ReadSseOptions,
  readSse,
  type SseReadResult,
  textOfChunks,
} from '../support/read-sse.ts';
import type { TestServer } from '../support/start-test-server.ts';

/** The chunk types that end a turn on the wire, and the turn status each one stands for. */
export const terminalChunkStatus: Readonly<Record<string, TerminalStatus>> = {
  finish: 'completed',
  abort: 'cancelled',
  error: 'failed',
};

/** A uniformly random whole number of milliseconds in [0, maxMs]. */
export function randomDelay(maxMs: number): number {
  return Math.floor(Math.random() * (maxMs + 1));
}

/** The `DefaultChatTransport` body that submits one new user message. */
export function transportBody(
  sessionId: string,
  messageId: string,
  text: string,
  multitask?: string,
) {
  return {
    id: sessionId,
    messages: [{ id: messageId, role: 'user', parts: [{ type: 'text', text }] }],
    trigger: 'submit-message',
    ...(multitask === undefined ? {} : { multitask }),
  };
}

/** POSTs one user message to the session's stream route and reads the answer stream. */
export function postMessage(
  baseUrl: string,
  sessionId: string,
  message: { id: string; text: string; multitask?: string },
  options: ReadSseOptions = {},
): Promise<SseReadResult> {
  return readSse(`${baseUrl}/api/chat/sessions/${sessionId}/stream`, {
    ...options,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(transportBody(sessionId, message.id, message.text, message.multitask)),
  });
}

export async function postCancel(
  baseUrl: string,
  sessionId: string,
): Promise<{ status: number; body: { cancelled?: boolean; reason?: string } }> {
  const response = await fetch(`${baseUrl}/api/chat/sessions/${sessionId}/cancel`, {
    method: 'POST',
  });
  return { status: response.status, body: (await response.json()) as { cancelled?: boolean } };
}

/**
 * The full answer of the demo model to `text` when nothing interrupts it (it is a pure function
 * of the last user message), as the deltas of a completed turn concatenate to.
 */
export function uninterruptedAnswer(text: string, defaultAnswerWords: number): string {
  const plan = planDemoResponse(
    [{ role: 'user', content: [{ type: 'text', text }] }],
    undefined,
    defaultAnswerWords,
  );
  if (plan.kind !== 'text') throw new Error(`demo model would not answer "${text}" with text`);
  return plan.words.join(' ');
}

export interface CheckedTurnStream {
  turnId: string;
  chunks: UIMessageChunk[];
  terminal: UIMessageChunk;
  status: TerminalStatus;
  /** The concatenated text deltas, i.e. what the client shows. */
  text: string;
  /** `start.messageId`: the id the assistant message is persisted under. */
  assistantMessageId: string | undefined;
}

/**
 * Checks the wire shape every complete turn stream must have (invariants 1 and 2): one turn id,
 * positions 1, 2, 3… without gaps, exactly one terminal chunk and it is the last chunk, then
 * `[DONE]` and nothing else. Throws an error naming `label` and the received stream otherwise.
 */
export function checkTurnStream(result: SseReadResult, label: string): CheckedTurnStream {
  function fail(problem: string): never {
    const dump = result.events.map((event) => `${event.id ?? '-'} ${event.data}`).join('\n  ');
    throw new Error(`${label}: ${problem}\n  status ${result.status}, events:\n  ${dump}`);
  }
  if (result.status !== 200) fail(`expected status 200, got ${result.status}`);
  if (!result.done) fail('the stream did not end with [DONE]');
  const last = result.events.at(-1);
  if (last?.data !== '[DONE]') fail('something followed [DONE]');
  if (result.events.filter((event) => event.data === '[DONE]').length !== 1) fail('[DONE] twice');
  const chunkEvents = result.events.slice(0, -1);
  const ids = chunkEvents.map((event) => parseSseId(event.id));
  const turnId = ids[0]?.turnId;
  if (turnId === undefined) fail('no chunk with a turn id');
  ids.forEach((id, index) => {
    if (id?.turnId !== turnId) fail(`event ${index} belongs to turn ${id?.turnId}, not ${turnId}`);
    if (id.position !== index + 1) fail(`event ${index} has position ${id.position}`);
  });
  const chunks = chunksOf(chunkEvents);
  const terminals = chunks.filter((chunk) => chunk.type in terminalChunkStatus);
  if (terminals.length !== 1) fail(`expected one terminal chunk, got ${terminals.length}`);
  const terminal = chunks.at(-1);
  if (terminal === undefined || !(terminal.type in terminalChunkStatus))
    fail('the last chunk is not the terminal chunk');
  const status = terminalChunkStatus[terminal.type] ?? fail(`unknown terminal ${terminal.type}`);
  const start = chunks.find((chunk) => chunk.type === 'start');
  return {
    turnId,
    chunks,
    terminal,
    status,
    text: textOfChunks(chunks),
    assistantMessageId: start?.type === 'start' ? start.messageId : undefined,
  };
}

/**
 * Checks that a turn whose stream has ended is settled everywhere, consistently with what the
 * client received (invariants 2 and 5): the store and the registry hold the same terminal status
 * as the terminal chunk, the session has no active turn, and the persisted assistant message is
 * exactly the message the client folds from its chunks (none when a completed turn's chunks carry
 * no parts; a failed or stopped turn keeps one, with its status in the metadata). Returns
 * the persisted assistant message.
 */
export async function checkSettledTurn(
  server: TestServer,
  sessionId: string,
  stream: CheckedTurnStream,
  label: string,
): Promise<UIMessage | undefined> {
  const { store, registry } = server.runtime.api;
  const storedTurn = await store.getTurn(stream.turnId);
  assert.ok(storedTurn, `${label}: turn ${stream.turnId} is not in the store`);
  assert.equal(storedTurn.status, stream.status, `${label}: store status vs terminal chunk`);
  assert.equal(
    (await registry.getTurn(stream.turnId))?.status,
    stream.status,
    `${label}: registry status vs terminal chunk`,
  );
  assert.equal(await registry.getActiveTurn(sessionId), null, `${label}: session still active`);
  if (stream.assistantMessageId !== undefined) {
    assert.equal(
      stream.assistantMessageId,
      storedTurn.assistantMessageId,
      `${label}: start.messageId`,
    );
  }
  const messages = await store.listMessages(sessionId);
  const userIndex = messages.findIndex((message) => message.id === storedTurn.userMessageId);
  assert.notEqual(userIndex, -1, `${label}: the user message was not persisted`);
  const persisted = messages.find((message) => message.id === storedTurn.assistantMessageId);
  const received = await foldAssistantMessage(stream.chunks, storedTurn.assistantMessageId);
  if (received === null && stream.status === 'completed') {
    assert.equal(persisted, undefined, `${label}: an assistant message was stored for no parts`);
    return undefined;
  }
  assert.ok(persisted, `${label}: the assistant message was not persisted`);
  // A failed or stopped turn says so in its message, even with no parts, so the conversation
  // shows it after a reload as the live reader saw it.
  const endedStatus = (persisted.metadata as { status?: string } | undefined)?.status;
  assert.equal(
    endedStatus,
    stream.status === 'completed' ? undefined : stream.status,
    `${label}: the persisted message's metadata.status`,
  );
  assert.equal(messages.at(-1)?.id, persisted.id, `${label}: the answer is not the last message`);
  assert.equal(messages[userIndex + 1]?.id, persisted.id, `${label}: answer not after question`);
  // Compared as JSON: the store keeps what JSON keeps (no `undefined` fields).
  assert.deepEqual(
    persisted.parts,
    JSON.parse(JSON.stringify(received?.parts ?? [])),
    `${label}: persisted vs received parts`,
  );
  return persisted;
}

export function textOfMessage(message: UIMessage | undefined): string {
  return (message?.parts ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/**
 * Runs `iterations` numbered iterations over `lanes` concurrent lanes (each lane one after
 * another), so loops of a few hundred iterations stay fast. After the first failure no lane
 * starts another iteration; the first error is rethrown once every lane has stopped, so nothing
 * keeps running against a server that the test is about to close.
 */
export async function runLanes(
  iterations: number,
  lanes: number,
  iteration: (index: number, lane: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const outcomes = await Promise.allSettled(
    Array.from({ length: lanes }, async (_, lane) => {
      while (next < iterations && !failed) {
        const index = next;
        next += 1;
        try {
          await iteration(index, lane);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
}
