import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DurableChatApiError,
  DurableChatClient,
  type LegacyChunk,
  type ResumableTurnStream,
  toLegacyChunks,
} from '../../src/client/index.ts';
import * as schemas from '../../src/protocol/http-schemas.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';
import { waitFor } from '../support/wait-for.ts';

const internalKey = 'internal-key-for-client-tests-0123456789';

async function textOf(stream: ResumableTurnStream): Promise<string> {
  let text = '';
  for await (const { chunk } of stream) if (chunk.type === 'text-delta') text += chunk.delta;
  return text;
}

async function rejectsWithCode(promise: Promise<unknown>, status: number, code: string) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof DurableChatApiError, `expected a DurableChatApiError: ${error}`);
    assert.deepEqual([error.status, error.code], [status, code]);
    return true;
  });
}

/** Starts an operation with the demo tool; resolves with its id once the starting turn ended. */
async function startOperation(client: DurableChatClient, text = '[demo:operation] build the site') {
  const { id: sessionId } = await client.createSession();
  await textOf(await client.sendMessage(sessionId, text));
  const [operation] = (await client.getSession(sessionId)).operations;
  assert.ok(operation, 'the tool call started an operation');
  return { sessionId, operationId: operation.id };
}

describe('DurableChatClient: operations (the service completes them itself)', () => {
  let server: TestServer;
  let owner: DurableChatClient;
  before(async () => {
    server = await startTestServer({
      DEMO_OPERATION_DELAY_MS: '200',
      JWT_SECRET: testJwtSecret,
    });
    owner = new DurableChatClient({ baseUrl: server.baseUrl, token: await tokenFor(userA) });
  });
  after(() => server.close());

  it('waitForOperation resolves with the ended operation; streamOperation reads its continuation, whole or after a cursor', async () => {
    const { sessionId, operationId } = await startOperation(owner);
    const running = await owner.getOperation(operationId);
    schemas.operationSchema.parse(running);
    assert.equal(running.session_id, sessionId);
    assert.equal(running.tool_name, 'demo_operation');

    const ended = await owner.waitForOperation(operationId, { pollIntervalMs: 20 });
    schemas.operationSchema.parse(ended);
    assert.equal(ended.status, 'completed');
    assert.deepEqual(ended.result, { report: 'Finished: build the site', took_ms: 200 });

    // The continuation may wait a moment after the operation ended: null until it has started.
    const streams: ResumableTurnStream[] = [];
    await waitFor(
      async () => {
        const opened = await owner.streamOperation(operationId);
        if (opened !== null) streams.push(opened);
        return opened !== null;
      },
      { intervalMs: 20, message: 'the continuation started' },
    );
    const [stream] = streams;
    assert.ok(stream);
    const events = [];
    for await (const event of stream) events.push(event);
    const text = events
      .map(({ chunk }) => (chunk.type === 'text-delta' ? chunk.delta : ''))
      .join('');
    assert.match(text, /The demo_operation operation \S+ has completed/);
    const continuation = await owner.getOperation(operationId);
    assert.equal(events[0]?.turnId, continuation.continuation_turn_id);

    const third = events[2];
    assert.ok(third);
    const rest = await owner.streamOperation(operationId, {
      after: `${third.turnId}:${third.position}`,
    });
    assert.ok(rest);
    const restEvents = [];
    for await (const event of rest) restEvents.push(event);
    assert.deepEqual(restEvents, events.slice(3));
  });

  it("as legacy chunks, the starting turn has the tool call, its response and the seed's operation_started", async () => {
    const { id: sessionId } = await owner.createSession();
    const legacy: LegacyChunk[] = [];
    const stream = await owner.sendMessage(sessionId, '[demo:operation] legacy build');
    for await (const chunk of toLegacyChunks(stream)) legacy.push(chunk);
    const [operation] = (await owner.getSession(sessionId)).operations;
    assert.ok(operation);
    const started = legacy.find((chunk) => chunk.type === 'operation_started');
    assert.deepEqual(started, {
      type: 'operation_started',
      tool_name: 'demo_operation',
      operation_id: operation.id,
      task_id: operation.id,
      message: (started as { message: string } | undefined)?.message,
    });
    assert.deepEqual(
      legacy
        .filter(({ type }) => type.startsWith('tool_') || type.startsWith('operation_'))
        .map(({ type }) => type),
      ['tool_call_start', 'tool_call_start', 'tool_response', 'operation_started'],
    );
  });

  it('another user gets OPERATION_NOT_FOUND, as for an operation that does not exist', async () => {
    const { operationId } = await startOperation(owner, '[demo:operation] private job');
    const stranger = new DurableChatClient({
      baseUrl: server.baseUrl,
      token: await tokenFor(userB),
    });
    await rejectsWithCode(stranger.getOperation(operationId), 404, 'OPERATION_NOT_FOUND');
    await rejectsWithCode(stranger.streamOperation(operationId), 404, 'OPERATION_NOT_FOUND');
    await rejectsWithCode(owner.getOperation('no-such-operation'), 404, 'OPERATION_NOT_FOUND');
  });
});

describe('DurableChatClient: completing operations as a service', () => {
  let server: TestServer;
  let client: DurableChatClient;
  before(async () => {
    // The demo service would complete after an hour: the tests complete operations themselves.
    server = await startTestServer({
      DEMO_OPERATION_DELAY_MS: '3600000',
      CHAT_INTERNAL_API_KEY: internalKey,
    });
    client = new DurableChatClient({ baseUrl: server.baseUrl });
  });
  after(() => server.close());

  it('completeOperation with the internal key ends the operation once; a repeat says it had ended', async () => {
    const { operationId } = await startOperation(client);
    assert.equal((await client.getOperation(operationId)).status, 'running');
    const streamBefore = await client.streamOperation(operationId);
    assert.equal(streamBefore, null, 'no continuation while the operation runs');

    const completed = await client.completeOperation(
      operationId,
      { success: true, result: { url: 'https://example.test/site' } },
      { apiKey: internalKey },
    );
    schemas.operationCompletionResponseSchema.parse(completed);
    assert.deepEqual(completed, {
      status: 'ok',
      operation_id: operationId,
      operation_status: 'completed',
      already_ended: false,
    });
    const again = await client.completeOperation(
      operationId,
      { success: false, error: 'late' },
      { apiKey: internalKey },
    );
    assert.equal(again.already_ended, true);
    assert.equal(again.operation_status, 'completed');
    const ended = await client.waitForOperation(operationId, { pollIntervalMs: 20 });
    assert.deepEqual(ended.result, { url: 'https://example.test/site' });
  });

  it('a failure is reported with its error; wrong credentials are refused with their codes', async () => {
    const { operationId } = await startOperation(client, '[demo:operation] flaky job');
    await rejectsWithCode(
      client.completeOperation(operationId, { success: true }, { apiKey: 'not-the-key' }),
      401,
      'INVALID_API_KEY',
    );
    await rejectsWithCode(
      client.completeOperation(operationId, { success: true }, { completionToken: 'A'.repeat(43) }),
      401,
      'INVALID_COMPLETION_TOKEN',
    );
    await rejectsWithCode(
      client.completeOperation('no-such-operation', { success: true }, { apiKey: internalKey }),
      404,
      'OPERATION_NOT_FOUND',
    );
    assert.equal((await client.getOperation(operationId)).status, 'running', 'unchanged');

    const failed = await client.completeOperation(
      operationId,
      { success: false, error: 'the compiler crashed' },
      { apiKey: internalKey },
    );
    assert.equal(failed.operation_status, 'failed');
    const ended = await client.waitForOperation(operationId);
    assert.equal(ended.error, 'the compiler crashed');
  });

  it('waitForOperation stops waiting when its signal aborts', async () => {
    const { operationId } = await startOperation(client, '[demo:operation] endless job');
    const controller = new AbortController();
    const waiting = client.waitForOperation(operationId, {
      signal: controller.signal,
      pollIntervalMs: 10,
    });
    controller.abort(new Error('no longer wanted'));
    await assert.rejects(waiting, /no longer wanted/);
  });
});
