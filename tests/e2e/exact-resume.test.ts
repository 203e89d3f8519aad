import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tool } from 'ai';
import { z } from 'zod';
import { evaluateArithmetic } from '../../src/executor/tools/calculator.ts';
import type { PositionedChunk } from '../../src/registry/stream-registry.ts';
import { parseSseId, readSse, type SseEvent } from '../support/read-sse.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createSession } from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

/** A calculator that waits for the test to open the gate: holds a turn mid tool call. */
function gatedCalculator() {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    open: () => open(),
    calculator: tool({
      description: 'Evaluates an arithmetic expression',
      inputSchema: z.object({ expression: z.string() }),
      execute: async ({ expression }) => {
        await gate;
        return { expression, result: evaluateArithmetic(expression) };
      },
    }),
  };
}

const dataEvents = (events: readonly SseEvent[]) =>
  events.filter((event) => event.data !== '[DONE]');

/** Asserts the events are exactly the reference chunks after `cut`, position by position. */
function assertExactRemainder(
  events: readonly SseEvent[],
  reference: readonly PositionedChunk[],
  turnId: string,
  cut: number,
  label: string,
): void {
  const expected = reference.filter((entry) => entry.position > cut);
  const received = events.map((event) => {
    const id = parseSseId(event.id);
    assert.equal(id?.turnId, turnId, `${label}: event of another turn`);
    return { position: id?.position, chunk: JSON.parse(event.data) };
  });
  assert.deepEqual(
    received.map((entry) => entry.position),
    expected.map((entry) => entry.position),
    `${label}: positions after ${cut}`,
  );
  assert.deepEqual(
    received.map((entry) => entry.chunk),
    expected.map((entry) => JSON.parse(JSON.stringify(entry.chunk))),
    `${label}: chunks after ${cut}`,
  );
}

describe('exact resume over HTTP with Last-Event-ID and ?after=', () => {
  let server: TestServer;
  const gated = gatedCalculator();
  before(async () => {
    server = await startTestServer(
      { DEMO_TOKEN_DELAY_MS: '3', HEARTBEAT_INTERVAL_MS: '50' },
      { tools: { calculator: gated.calculator } },
    );
  });
  after(() => server.close());

  const streamUrl = (sessionId: string) =>
    `${server.baseUrl}/api/chat/sessions/${sessionId}/stream`;
  const postStream = (sessionId: string, text: string) =>
    readSse(streamUrl(sessionId), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: text }),
    });

  it('resumes at 100 random cut points while the turn is held in the middle of a tool call', async () => {
    const sessionId = await createSession(server.baseUrl);
    const original = postStream(sessionId, 'calculate 6*(3+4)');
    const registry = server.runtime.api.registry;
    await waitFor(async () => {
      const turn = await registry.getActiveTurn(sessionId);
      if (!turn) return false;
      const log = await registry.readAll(turn.turnId);
      return log.some((entry) => entry.chunk.type === 'tool-input-available');
    });
    const turn = await registry.getActiveTurn(sessionId);
    assert.ok(turn);
    const held = await registry.readAll(turn.turnId);
    const last = held.at(-1)?.position ?? 0;
    for (let iteration = 0; iteration < 100; iteration += 1) {
      const cut = Math.floor(Math.random() * (last + 1));
      const controller = new AbortController();
      const useHeader = iteration % 2 === 0;
      const url = useHeader ? streamUrl(sessionId) : `${streamUrl(sessionId)}?after=${cut}`;
      const wanted = last - cut;
      const result = await readSse(url, {
        signal: controller.signal,
        headers: useHeader ? { 'last-event-id': `${turn.turnId}:${cut}` } : {},
        onResponse: (status) => {
          if (status !== 200 || wanted === 0) setTimeout(() => controller.abort(), 20);
        },
        onEvent: (_event, index) => {
          if (index + 1 >= wanted) controller.abort();
        },
      });
      assert.equal(result.status, 200);
      assertExactRemainder(
        dataEvents(result.events),
        held,
        turn.turnId,
        cut,
        `held cut ${iteration}`,
      );
    }
    gated.open();
    const finished = await original;
    assert.equal(finished.done, true);
    const reference = await registry.readAll(turn.turnId);
    assertExactRemainder(
      dataEvents(finished.events),
      reference,
      turn.turnId,
      0,
      'the original POST',
    );
    assert.ok(reference.some((entry) => entry.chunk.type === 'tool-output-available'));
  });

  it('resumes at 120 random cut points during a live 1,000-word answer, each reading to [DONE]', async () => {
    const sessionId = await createSession(server.baseUrl);
    const original = postStream(sessionId, 'Tell me everything [demo:words=1000]');
    const registry = server.runtime.api.registry;
    await waitFor(async () => (await registry.getActiveTurn(sessionId)) !== null);
    const turn = await registry.getActiveTurn(sessionId);
    assert.ok(turn);
    const readers: Promise<{ cut: number; events: SseEvent[]; done: boolean }>[] = [];
    for (let iteration = 0; iteration < 120; iteration += 1) {
      const current = (await registry.getTurn(turn.turnId))?.lastPosition ?? 0;
      const cut = Math.floor(Math.random() * (current + 1));
      readers.push(
        readSse(streamUrl(sessionId), {
          headers: { 'last-event-id': `${turn.turnId}:${cut}` },
        }).then((result) => ({ cut, events: result.events, done: result.done })),
      );
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 25));
    }
    const finished = await original;
    const reference = await registry.readAll(turn.turnId);
    // Tokens the model hands over together share a position, so the log holds fewer positions
    // than words; every word is there once.
    const words = reference
      .map(({ chunk }) => (chunk.type === 'text-delta' ? chunk.delta : ''))
      .join('')
      .trim()
      .split(/\s+/);
    assert.equal(words.length, 1000);
    assertExactRemainder(
      dataEvents(finished.events),
      reference,
      turn.turnId,
      0,
      'the original POST',
    );
    for (const [index, reader] of (await Promise.all(readers)).entries()) {
      assert.equal(reader.done, true, `reader ${index} ended with [DONE]`);
      assertExactRemainder(
        dataEvents(reader.events),
        reference,
        turn.turnId,
        reader.cut,
        `live cut ${index}`,
      );
    }
  });

  it('answers 409 for a cursor of another turn or beyond the end, and 400 for a malformed one', async () => {
    const sessionId = await createSession(server.baseUrl);
    const original = postStream(sessionId, 'wait for me [demo:words=400]');
    const registry = server.runtime.api.registry;
    await waitFor(async () => (await registry.getActiveTurn(sessionId)) !== null);
    const turn = await registry.getActiveTurn(sessionId);
    assert.ok(turn);
    const cases: [Record<string, string>, number, string][] = [
      [{ 'last-event-id': 'another-turn:3' }, 409, 'CURSOR_OUT_OF_RANGE'],
      [{ 'last-event-id': `${turn.turnId}:99999999` }, 409, 'CURSOR_OUT_OF_RANGE'],
      [{ 'last-event-id': 'not a position' }, 400, 'INVALID_CURSOR'],
      [{ 'last-event-id': `${turn.turnId}:-1` }, 400, 'INVALID_CURSOR'],
    ];
    for (const [headers, status, code] of cases) {
      const response = await fetch(streamUrl(sessionId), { headers });
      assert.equal(response.status, status, JSON.stringify(headers));
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, code);
    }
    assert.equal((await original).done, true);
  });
});
