import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { startSweeper } from '../../src/executor/sweeper.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { chunksOf, readSse, textOfChunks } from '../support/read-sse.ts';
import {
  createSession,
  createTestTransport,
  TestChat,
  textOfMessage,
} from '../support/test-chat.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';
import { waitFor } from '../support/wait-for.ts';

interface OperationView {
  id: string;
  session_id: string;
  tool_name: string;
  tool_call_id: string;
  status: string;
  result: unknown;
  error: string | null;
  continuation_turn_id: string | null;
}

interface SessionDetail {
  messages: UIMessage[];
  active_stream: { turn_id: string } | null;
  pending_messages: unknown[];
  operations: OperationView[];
}

const internalKey = 'internal-key-for-tests-0123456789';

type ToolPart = {
  type: string;
  toolCallId: string;
  state: string;
  output?: unknown;
  errorText?: string;
};

function operationPart(message: UIMessage | undefined): ToolPart | undefined {
  return message?.parts.find((part) => part.type === 'tool-demo_operation') as ToolPart | undefined;
}

describe('long-running operations (embedded)', () => {
  let server: TestServer;
  before(async () => {
    // The demo service would complete after an hour: these tests complete operations themselves.
    server = await startTestServer({
      DEMO_OPERATION_DELAY_MS: '3600000',
      CHAT_INTERNAL_API_KEY: internalKey,
      OPERATION_DEADLINE_MS: '60000',
    });
  });
  after(() => server.close());

  const getSession = async (id: string, headers: Record<string, string> = {}) =>
    (await (
      await fetch(`${server.baseUrl}/api/chat/sessions/${id}`, { headers })
    ).json()) as SessionDetail;

  async function complete(
    operationId: string,
    body: unknown,
    headers: Record<string, string> = { 'x-api-key': internalKey },
    base = server.baseUrl,
  ) {
    const response = await fetch(`${base}/api/chat/operations/${operationId}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Starts an operation through the real `ai` client; resolves once that turn has ended. */
  async function startOperation(text = '[demo:operation] build the site') {
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    await chat.sendMessage({ text });
    const [operation] = (await getSession(sessionId)).operations;
    assert.ok(operation, 'the tool call started an operation');
    return { sessionId, chat, operation };
  }

  it('a long-running tool ends its turn at once: the tool part shows the operation started, the session is free', async () => {
    const { sessionId, chat, operation } = await startOperation();
    assert.equal(chat.status, 'ready');
    const answer = chat.lastMessage;
    const part = operationPart(answer);
    assert.equal(part?.state, 'output-available');
    assert.deepEqual(
      { ...(part?.output as object), message: undefined },
      {
        type: 'operation_started',
        operation_id: operation.id,
        tool_name: 'demo_operation',
        status: 'running',
        message: undefined,
      },
    );
    assert.match(
      textOfMessage(answer),
      new RegExp(`I started demo_operation \\(operation ${operation.id}\\)`),
    );
    assert.equal(operation.status, 'running');
    assert.equal(operation.tool_call_id, part?.toolCallId);
    const detail = await getSession(sessionId);
    assert.equal(detail.active_stream, null, 'no turn runs while the operation does');
    // The user keeps chatting meanwhile.
    await chat.sendMessage({ text: 'meanwhile, hello' });
    assert.match(textOfMessage(chat.lastMessage), /You said: "meanwhile, hello"/);
    assert.equal((await getSession(sessionId)).operations[0]?.status, 'running');
  });

  it('completion by webhook: the tool part takes the result and exactly one continuation streams it, to an attached reader and to one that reconnects later', async () => {
    const { sessionId, chat, operation } = await startOperation();
    const completed = await complete(operation.id, {
      success: true,
      result: { url: 'https://example.test/site' },
    });
    assert.deepEqual(completed, {
      status: 200,
      body: {
        status: 'ok',
        operation_id: operation.id,
        operation_status: 'completed',
        already_ended: false,
      },
    });
    const again = await complete(operation.id, { success: true, result: { url: 'other' } });
    assert.equal(again.status, 200);
    assert.equal(again.body.already_ended, true);
    await waitFor(
      async () =>
        typeof (await getSession(sessionId)).operations[0]?.continuation_turn_id === 'string',
      {
        message: 'the continuation started',
      },
    );
    const ended = (await getSession(sessionId)).operations[0];
    assert.ok(ended?.continuation_turn_id);
    assert.deepEqual(ended.result, { url: 'https://example.test/site' });
    const stream = await readSse(`${server.baseUrl}/api/chat/operations/${operation.id}/stream`);
    assert.equal(stream.status, 200);
    assert.equal(stream.done, true);
    const chunks = chunksOf(stream.events);
    assert.match(
      textOfChunks(chunks),
      /The demo_operation operation \S+ has completed\. Its result: \{"url":"https:\/\/example\.test\/site"\}/,
    );
    // A reader that had the first three events gets exactly the rest.
    const third = stream.events[2];
    const rest = await readSse(`${server.baseUrl}/api/chat/operations/${operation.id}/stream`, {
      headers: { 'last-event-id': third?.id ?? '' },
    });
    assert.deepEqual(rest.events, stream.events.slice(3));
    await waitFor(async () => (await getSession(sessionId)).active_stream === null);
    const detail = await getSession(sessionId);
    assert.deepEqual(
      detail.messages.map((message) => message.role),
      ['user', 'assistant', 'system', 'assistant'],
      'one continuation: the notice and its answer',
    );
    const stored = operationPart(detail.messages[1]);
    assert.equal(stored?.state, 'output-available');
    assert.deepEqual(stored?.output, {
      type: 'operation_completed',
      operation_id: operation.id,
      tool_name: 'demo_operation',
      result: { url: 'https://example.test/site' },
    });
    assert.equal(textOfMessage(detail.messages[3]), textOfChunks(chunks));
    // The client that started it, reloaded, shows the same.
    const reloaded = new TestChat({
      id: sessionId,
      messages: detail.messages,
      transport: createTestTransport(server.baseUrl),
    });
    assert.equal(reloaded.messages.length, 4);
    assert.equal(chat.messages.length, 2);
  });

  it('a second call with the same input while the first runs answers "already in progress" with the same operation', async () => {
    const { sessionId, chat, operation } = await startOperation('[demo:operation] nightly report');
    await chat.sendMessage({ text: '[demo:operation] nightly report' });
    const part = operationPart(chat.lastMessage);
    assert.deepEqual(
      (part?.output as { type: string; operation_id: string }).type,
      'operation_in_progress',
    );
    assert.equal((part?.output as { operation_id: string }).operation_id, operation.id);
    assert.match(textOfMessage(chat.lastMessage), /already in progress/);
    assert.equal((await getSession(sessionId)).operations.length, 1);
  });

  it('a failed operation ends the tool part with its error and the continuation explains it', async () => {
    const { sessionId, operation } = await startOperation();
    const failed = await complete(operation.id, { success: false, error: 'the compiler crashed' });
    assert.equal(failed.body.operation_status, 'failed');
    await waitFor(
      async () =>
        (await getSession(sessionId)).messages.length === 4 &&
        (await getSession(sessionId)).active_stream === null,
      { message: 'the continuation answered' },
    );
    const detail = await getSession(sessionId);
    const part = operationPart(detail.messages[1]);
    assert.equal(part?.state, 'output-error');
    assert.match(part?.errorText ?? '', /failed: the compiler crashed/);
    assert.match(textOfMessage(detail.messages[3]), /failed: the compiler crashed/);
    assert.equal(detail.operations[0]?.error, 'the compiler crashed');
  });

  it("completion credentials: no credentials 401, a wrong key 401, another operation's token 401, an unknown operation 404, the own token 200", async () => {
    const first = await startOperation('[demo:operation] first');
    const second = await startOperation('[demo:operation] second');
    const body = { success: true, result: 'done' };
    assert.equal((await complete(first.operation.id, body, {})).body.error !== undefined, true);
    assert.equal((await complete(first.operation.id, body, {})).status, 401);
    const wrongKey = await complete(first.operation.id, body, { 'x-api-key': 'not-the-key' });
    assert.deepEqual(
      [wrongKey.status, (wrongKey.body.error as { code: string }).code],
      [401, 'INVALID_API_KEY'],
    );
    const unknown = await complete('no-such-operation', body);
    assert.deepEqual(
      [unknown.status, (unknown.body.error as { code: string }).code],
      [404, 'OPERATION_NOT_FOUND'],
    );
    // The demo service received the token; here the test plays a service holding the wrong one.
    const foreignToken = await complete(first.operation.id, body, {
      'x-completion-token': 'A'.repeat(43),
    });
    assert.deepEqual(
      [foreignToken.status, (foreignToken.body.error as { code: string }).code],
      [401, 'INVALID_COMPLETION_TOKEN'],
    );
    assert.equal((await getSession(first.sessionId)).operations[0]?.status, 'running', 'unchanged');
    assert.equal((await getSession(second.sessionId)).operations[0]?.status, 'running');
  });

  it('the deadline ends an operation as expired and the continuation explains it', async () => {
    const { sessionId, operation } = await startOperation('[demo:operation] slow job');
    const sweeper = startSweeper(server.runtime.api, {
      ownerId: 'test-sweeper',
      intervalMs: 3_600_000,
      leaseGraceMs: 1_000,
      unleasedTurnTimeoutMs: 3_600_000,
      closingGraceMs: 1_000,
      storeGraceMs: 3_600_000,
      // An hour from now: past the operation's one-minute deadline, without waiting for it.
      now: () => Date.now() + 3_600_000,
    });
    try {
      const report = await sweeper.sweepOnce();
      assert.ok(report.expiredOperations.includes(operation.id));
    } finally {
      await sweeper.stop();
    }
    await waitFor(
      async () =>
        (await getSession(sessionId)).messages.length === 4 &&
        (await getSession(sessionId)).active_stream === null,
    );
    const detail = await getSession(sessionId);
    assert.equal(detail.operations[0]?.status, 'expired');
    assert.match(textOfMessage(detail.messages[3]), /did not complete/);
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    assert.match(metrics, /durable_chat_operations_ended_total\{outcome="expired"\} [1-9]/);
    assert.match(metrics, /durable_chat_operations_started_total\{tool="demo_operation"\} [1-9]/);
    assert.match(metrics, /durable_chat_operation_age_seconds_count\{outcome="expired"\} [1-9]/);
    const late = await complete(operation.id, { success: true, result: 'too late' });
    assert.equal(late.body.already_ended, true);
    assert.equal((await getSession(sessionId)).operations[0]?.status, 'expired');
  });

  it('deleting the session cancels its operations: a later completion finds nothing', async () => {
    const { sessionId, operation } = await startOperation();
    const deleted = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`, {
      method: 'DELETE',
    });
    assert.equal(deleted.status, 204);
    const late = await complete(operation.id, { success: true, result: 'orphan' });
    assert.equal(late.status, 404);
  });

  it('regenerating the answer that started an operation: the new answer waits for the same operation, which continues once', async () => {
    const { sessionId, chat, operation } = await startOperation('[demo:operation] a report');
    await chat.regenerate();
    const part = operationPart(chat.lastMessage);
    assert.equal((part?.output as { type: string }).type, 'operation_in_progress');
    await complete(operation.id, { success: true, result: 'the report' });
    await waitFor(
      async () =>
        (await getSession(sessionId)).messages.length === 4 &&
        (await getSession(sessionId)).active_stream === null,
      { message: 'the continuation answered' },
    );
    const detail = await getSession(sessionId);
    assert.equal(detail.operations.length, 1);
    assert.equal(detail.operations[0]?.status, 'completed');
    const stored = operationPart(detail.messages[1]);
    assert.equal((stored?.output as { type: string }).type, 'operation_completed');
    assert.match(textOfMessage(detail.messages[3]), /Its result: the report/);
  });

  it('editing away the answer that started an operation: its completion cancels it and continues nothing', async () => {
    const { sessionId, chat, operation } = await startOperation('[demo:operation] old question');
    const question = chat.messages[0];
    assert.ok(question);
    await chat.sendMessage({ text: 'a new question', messageId: question.id });
    const completed = await complete(operation.id, { success: true, result: 'stale' });
    assert.equal(completed.body.operation_status, 'cancelled');
    const detail = await getSession(sessionId);
    assert.deepEqual(
      detail.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.match(textOfMessage(detail.messages[0]), /a new question/);
    assert.equal(detail.active_stream, null);
    assert.equal(detail.operations[0]?.status, 'cancelled');
  });

  it('a completion while another turn runs continues after that turn, never inside it', async () => {
    const { sessionId, chat, operation } = await startOperation();
    const sending = chat.sendMessage({ text: '[demo:words=400] tell me a long story' });
    await waitFor(async () => (await getSession(sessionId)).active_stream !== null);
    await complete(operation.id, { success: true, result: 'built' });
    await sending;
    await waitFor(
      async () =>
        (await getSession(sessionId)).messages.length === 6 &&
        (await getSession(sessionId)).active_stream === null,
      { message: 'the continuation followed the running turn', timeoutMs: 15_000 },
    );
    const detail = await getSession(sessionId);
    assert.deepEqual(
      detail.messages.map((message) => message.role),
      ['user', 'assistant', 'user', 'assistant', 'system', 'assistant'],
    );
    assert.match(textOfMessage(detail.messages[3]), /tell me a long story/);
    assert.doesNotMatch(textOfMessage(detail.messages[3]), /has completed/);
    assert.match(textOfMessage(detail.messages[5]), /has completed\. Its result: built/);
  });
});

describe('long-running operations: the demo service and ownership', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ DEMO_OPERATION_DELAY_MS: '300', JWT_SECRET: testJwtSecret });
  });
  after(() => server.close());

  it('the demo tool completes through the real webhook with its own token, and nobody else may look at the operation', async () => {
    const owner = { authorization: `Bearer ${await tokenFor(userA)}` };
    const stranger = { authorization: `Bearer ${await tokenFor(userB)}` };
    const sessionId = await createSession(server.baseUrl, owner);
    const chat = new TestChat({
      id: sessionId,
      transport: createTestTransport(server.baseUrl, owner),
    });
    await chat.sendMessage({ text: '[demo:operation] compile the docs' });
    const read = async (headers: Record<string, string>) =>
      (await (
        await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`, { headers })
      ).json()) as SessionDetail;
    const [operation] = (await read(owner)).operations;
    assert.ok(operation);
    await waitFor(
      async () =>
        (await read(owner)).messages.length === 4 && (await read(owner)).active_stream === null,
      {
        message: 'the demo service completed it and the continuation answered',
        timeoutMs: 15_000,
      },
    );
    const detail = await read(owner);
    assert.equal(detail.operations[0]?.status, 'completed');
    assert.deepEqual(detail.operations[0]?.result, {
      report: 'Finished: compile the docs',
      took_ms: 300,
    });
    assert.match(textOfMessage(detail.messages[3]), /Finished: compile the docs/);
    const mine = await fetch(`${server.baseUrl}/api/chat/operations/${operation.id}`, {
      headers: owner,
    });
    assert.equal(mine.status, 200);
    const view = (await mine.json()) as OperationView;
    assert.equal(view.status, 'completed');
    assert.equal(view.continuation_turn_id, detail.operations[0]?.continuation_turn_id);
    assert.equal('completion_token_hash' in view, false);
    for (const path of [
      `/api/chat/operations/${operation.id}`,
      `/api/chat/operations/${operation.id}/stream`,
    ]) {
      const foreign = await fetch(`${server.baseUrl}${path}`, { headers: stranger });
      assert.equal(foreign.status, 404, path);
      assert.equal(
        ((await foreign.json()) as { error: { code: string } }).error.code,
        'OPERATION_NOT_FOUND',
      );
    }
    // No internal key configured here: a caller presenting one learns that, not more.
    const keyed = await fetch(`${server.baseUrl}/api/chat/operations/${operation.id}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'guess' },
      body: JSON.stringify({ success: true }),
    });
    assert.deepEqual(
      [keyed.status, ((await keyed.json()) as { error: { code: string } }).error.code],
      [503, 'INTERNAL_API_KEY_NOT_CONFIGURED'],
    );
  });
});

describe('long-running operations: a service that completes at once', () => {
  let server: TestServer;
  before(async () => {
    // The demo service completes as soon as it accepted: usually while the turn that started the
    // operation is still streaming its answer.
    server = await startTestServer({ DEMO_OPERATION_DELAY_MS: '0', DEMO_TOKEN_DELAY_MS: '5' });
  });
  after(() => server.close());

  it('a completion before the starting turn ended shows in that answer and continues after it, once', async () => {
    for (let round = 0; round < 5; round += 1) {
      const sessionId = await createSession(server.baseUrl);
      const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
      await chat.sendMessage({ text: `[demo:operation] quick job ${round}` });
      const read = async () =>
        (await (
          await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`)
        ).json()) as SessionDetail;
      await waitFor(
        async () => (await read()).messages.length === 4 && (await read()).active_stream === null,
        {
          message: `round ${round}: the continuation answered`,
          timeoutMs: 10_000,
        },
      );
      const detail = await read();
      assert.deepEqual(
        detail.messages.map((message) => message.role),
        ['user', 'assistant', 'system', 'assistant'],
      );
      const part = operationPart(detail.messages[1]);
      assert.equal(part?.state, 'output-available');
      assert.equal((part?.output as { type: string }).type, 'operation_completed');
      assert.match(textOfMessage(detail.messages[3]), new RegExp(`Finished: quick job ${round}`));
    }
  });
});
