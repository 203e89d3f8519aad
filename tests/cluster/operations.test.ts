import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UIMessage } from 'ai';
import {
  type Cluster,
  type ClusterProcess,
  clusterServiceUrls,
  killProcess,
  operationCompletionNames,
  startCluster,
} from '../support/cluster.ts';
import { chunksOf, readSse, textOfChunks } from '../support/read-sse.ts';
import { publishRawCompletion, queueCounts } from '../support/rabbitmq-test-support.ts';
import { textOfMessage } from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';
import { createSession } from './cluster-fault-support.ts';

const internalKey = 'internal-key-for-cluster-tests-0123456789';

interface OperationView {
  id: string;
  status: string;
  result: unknown;
  error: string | null;
  continuation_turn_id: string | null;
}

interface SessionDetail {
  messages: UIMessage[];
  active_stream: { turn_id: string } | null;
  operations: OperationView[];
}

/**
 * Stands in for the service behind the demo tool: the executor's demo service calls back here
 * (PUBLIC_URL) with each operation's own completion token, which this records and does not
 * pass on — so operations stay running until a test completes them, and the tests hold real
 * tokens, as a service would.
 */
class CapturingService {
  static async start(): Promise<CapturingService> {
    const service = new CapturingService();
    await new Promise<void>((resolve) => service.#server.listen(0, '127.0.0.1', resolve));
    return service;
  }

  /** Operation id → the completion token the executor handed to the service. */
  readonly tokens = new Map<string, string>();
  readonly #server: Server = createServer((request, response) => {
    const match = /^\/api\/chat\/operations\/([^/]+)\/complete$/.exec(request.url ?? '');
    const token = request.headers['x-completion-token'];
    if (match?.[1] && typeof token === 'string') this.tokens.set(match[1], token);
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

describe('long-running operations across processes (2 API processes, 1 executor, RabbitMQ completions)', () => {
  let cluster: Cluster;
  let service: CapturingService;
  /** The processes running now: the restart test replaces all of them. */
  let apis: ClusterProcess[];
  let executor: ClusterProcess;

  before(async () => {
    service = await CapturingService.start();
    cluster = await startCluster({
      apis: 2,
      executors: 1,
      environment: {
        // The demo service calls the capturing service at once, then the tests complete.
        DEMO_OPERATION_DELAY_MS: '50',
        PUBLIC_URL: service.url,
        CHAT_INTERNAL_API_KEY: internalKey,
        OPERATION_DEADLINE_MS: '600000',
        LOG_LEVEL: 'info',
      },
    });
    apis = cluster.apis;
    executor = cluster.executors[0] as ClusterProcess;
  });
  after(async () => {
    await cluster?.close();
    await service?.close();
  });

  const api = (index: number) => apis[index]?.url ?? '';

  async function getSession(sessionId: string, base = api(0)): Promise<SessionDetail> {
    const response = await fetch(`${base}/api/chat/sessions/${sessionId}`);
    assert.equal(response.status, 200);
    return (await response.json()) as SessionDetail;
  }

  async function complete(
    operationId: string,
    body: unknown,
    headers: Record<string, string>,
    base = api(1),
  ) {
    const response = await fetch(`${base}/api/chat/operations/${operationId}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as { already_ended?: boolean; error?: { code: string } },
    };
  }

  /** What a service on the seed's protocol does: one persistent message to the exchange. */
  async function publishCompletion(message: unknown): Promise<void> {
    const names = operationCompletionNames(cluster.keyPrefix);
    await publishRawCompletion(
      { operationCompletionExchangeName: names.OPERATION_COMPLETION_EXCHANGE },
      JSON.stringify(message),
      clusterServiceUrls.amqp,
    );
  }

  /** Starts `[demo:operation]` through API 1; resolves once that turn ended and the service holds the token. */
  async function startOperation(task: string) {
    const sessionId = await createSession(api(0));
    const started = await readSse(`${api(0)}/api/chat/sessions/${sessionId}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: `[demo:operation] ${task}` }),
    });
    assert.equal(started.done, true, 'the turn that starts an operation ends at once');
    const [operation] = (await getSession(sessionId)).operations;
    assert.ok(operation, 'the tool call started an operation');
    assert.equal(operation.status, 'running');
    await waitFor(() => service.tokens.has(operation.id), {
      message: 'the service got the operation',
    });
    return { sessionId, operationId: operation.id, token: service.tokens.get(operation.id) ?? '' };
  }

  /** Waits until the session's continuation has answered and nothing runs there. */
  async function waitForContinuation(sessionId: string, base = api(1)): Promise<SessionDetail> {
    await waitFor(
      async () => {
        const detail = await getSession(sessionId, base);
        return detail.messages.length >= 4 && detail.active_stream === null;
      },
      { message: 'the continuation answered', timeoutMs: 15_000 },
    );
    return getSession(sessionId, base);
  }

  it('a completion published to RabbitMQ continues the session once, streamed on the other API process, even sent twice and by webhook too', async () => {
    const { sessionId, operationId } = await startOperation('build the site');
    const message = {
      operation_id: operationId,
      task_id: 'task-of-the-seed',
      success: true,
      result: { url: 'https://example.test/site' },
      error: null,
    };
    await publishCompletion(message);
    await waitFor(
      async () => (await getSession(sessionId, api(1))).operations[0]?.status === 'completed',
      { message: 'an API process applied the message' },
    );
    // The same message again (a service retrying) and the webhook as well: both change nothing.
    await publishCompletion(message);
    const other = { success: true, result: 'other' };
    const webhook = await complete(operationId, other, { 'x-api-key': internalKey });
    assert.deepEqual([webhook.status, webhook.body.already_ended], [200, true]);
    await waitFor(
      async () =>
        typeof (await getSession(sessionId, api(1))).operations[0]?.continuation_turn_id ===
        'string',
      { message: 'the continuation started' },
    );
    const stream = await readSse(`${api(1)}/api/chat/operations/${operationId}/stream`);
    assert.equal(stream.status, 200);
    assert.equal(stream.done, true);
    const detail = await waitForContinuation(sessionId);
    assert.deepEqual(detail.operations[0]?.result, message.result);
    assert.match(textOfChunks(chunksOf(stream.events)), /has completed\. Its result:/);
    assert.equal(textOfMessage(detail.messages[3]), textOfChunks(chunksOf(stream.events)));
    await sleep(500);
    assert.deepEqual(
      (await getSession(sessionId)).messages.map((entry) => entry.role),
      ['user', 'assistant', 'system', 'assistant'],
      'exactly one continuation',
    );
    await waitFor(async () => (await completionQueueDepth()) === 0, {
      message: 'both messages were consumed',
    });
  });

  it('a completion for a deleted session finds nothing: 404 by webhook, consumed and logged over RabbitMQ', async () => {
    const { sessionId, operationId } = await startOperation('orphaned job');
    const deleted = await fetch(`${api(0)}/api/chat/sessions/${sessionId}`, { method: 'DELETE' });
    assert.equal(deleted.status, 204);
    const late = await complete(operationId, { success: true }, { 'x-api-key': internalKey });
    assert.deepEqual([late.status, late.body.error?.code], [404, 'OPERATION_NOT_FOUND']);
    await publishCompletion({ operation_id: operationId, task_id: 't', success: true });
    await waitFor(
      () =>
        apis.some((process) =>
          process.output().includes('ignoring a completion for an unknown operation'),
        ),
      { message: 'an API process logged the completion it could not apply' },
    );
    await waitFor(async () => (await completionQueueDepth()) === 0);
  });

  it("completion credentials: a wrong key 401, another operation's token 401, no key configured 503, the own token 200", async () => {
    const first = await startOperation('first job');
    const second = await startOperation('second job');
    const body = { success: true, result: 'done' };
    const wrongKey = await complete(first.operationId, body, { 'x-api-key': 'not-the-key' });
    assert.deepEqual([wrongKey.status, wrongKey.body.error?.code], [401, 'INVALID_API_KEY']);
    const foreignToken = await complete(first.operationId, body, {
      'x-completion-token': second.token,
    });
    assert.deepEqual(
      [foreignToken.status, foreignToken.body.error?.code],
      [401, 'INVALID_COMPLETION_TOKEN'],
    );
    const keyless = await cluster.addApi({ CHAT_INTERNAL_API_KEY: '' });
    apis.push(keyless);
    const notConfigured = await complete(
      first.operationId,
      body,
      { 'x-api-key': internalKey },
      keyless.url,
    );
    assert.deepEqual(
      [notConfigured.status, notConfigured.body.error?.code],
      [503, 'INTERNAL_API_KEY_NOT_CONFIGURED'],
    );
    assert.equal((await getSession(first.sessionId)).operations[0]?.status, 'running');
    const own = await complete(
      first.operationId,
      body,
      { 'x-completion-token': first.token },
      keyless.url,
    );
    assert.deepEqual([own.status, own.body.already_ended], [200, false]);
    await waitForContinuation(first.sessionId);
    assert.equal((await getSession(second.sessionId)).operations[0]?.status, 'running');
  });

  it('every API and executor process killed while the operation runs: the new ones complete it by webhook and continue', async () => {
    const { sessionId, operationId } = await startOperation('survive the restart');
    await Promise.all([...apis, executor].map(killProcess));
    const [first, second, replacement] = await Promise.all([
      cluster.addApi(),
      cluster.addApi(),
      cluster.addExecutor(),
    ]);
    apis = [first, second];
    executor = replacement;
    assert.equal((await getSession(sessionId)).operations[0]?.status, 'running', 'it survived');
    const completed = await complete(
      operationId,
      { success: true, result: { pages: 12 } },
      { 'x-api-key': internalKey },
    );
    assert.deepEqual([completed.status, completed.body.already_ended], [200, false]);
    const detail = await waitForContinuation(sessionId);
    assert.match(textOfMessage(detail.messages[3]), /has completed\. Its result: \{"pages":12\}/);
    assert.deepEqual(
      detail.messages.map((entry) => entry.role),
      ['user', 'assistant', 'system', 'assistant'],
    );
  });

  it('an operation past its deadline ends as expired and the continuation explains it', async () => {
    await killProcess(executor);
    executor = await cluster.addExecutor({ OPERATION_DEADLINE_MS: '1000' });
    const { sessionId, operationId } = await startOperation('too slow');
    const detail = await waitForContinuation(sessionId);
    assert.equal(detail.operations[0]?.status, 'expired');
    assert.match(textOfMessage(detail.messages[3]), /did not complete/);
    const late = await complete(operationId, { success: true }, { 'x-api-key': internalKey });
    assert.deepEqual([late.status, late.body.already_ended], [200, true]);
  });

  async function completionQueueDepth(): Promise<number> {
    const names = operationCompletionNames(cluster.keyPrefix);
    const { messageCount } = await queueCounts(
      names.OPERATION_COMPLETION_QUEUE,
      clusterServiceUrls.amqp,
    );
    return messageCount;
  }
});
