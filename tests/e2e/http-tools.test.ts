import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { spawnNodeScript, type SpawnedScript } from '../support/spawn-node-script.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import {
  createSession,
  createTestTransport,
  TestChat,
  textOfMessage,
} from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

interface SessionDetail {
  messages: UIMessage[];
  active_stream: { turn_id: string } | null;
  operations: { id: string; tool_name: string; status: string; result: unknown }[];
}

/** What the example service saw (its `GET /received`). */
interface Received {
  starts: {
    tool: string;
    fields: string[];
    operation_id: string;
    input: unknown;
    callback_url: string;
  }[];
  cancels: { operation_id: string; was_running: boolean }[];
  completions: { operation_id: string; status: number | null }[];
}

type ToolPart = { type: string; state: string; output?: unknown; errorText?: string };

const examples = new URL('../../examples/', import.meta.url);
/** Where `examples/http-tools.json` expects the example service. */
const examplePort = 'http://127.0.0.1:4100';
const shortTimeoutMs = 300;

function toolPart(message: UIMessage | undefined, tool: string): ToolPart | undefined {
  return message?.parts.find((part) => part.type === `tool-${tool}`) as ToolPart | undefined;
}

describe('external HTTP tools against the example service (embedded)', () => {
  let service: SpawnedScript;
  let serviceUrl: string;
  let folder: string;
  let server: TestServer;

  before(async () => {
    service = spawnNodeScript(new URL('http-tool-service/server.ts', examples).pathname, {
      PORT: '0',
    });
    await waitFor(() => /listening on (http:\/\/\S+)/.test(service.output()), {
      timeoutMs: 15_000,
      message: `the example service started; it printed: ${service.output()}`,
    });
    serviceUrl = /listening on (http:\/\/\S+)/.exec(service.output())?.[1] ?? '';
    // The shipped tools file, pointed at this service, with a timeout a test can wait out.
    const shipped = JSON.parse(
      (await readFile(new URL('http-tools.json', examples), 'utf8')).replaceAll(
        examplePort,
        serviceUrl,
      ),
    ) as { tools: { name: string; timeout_ms?: number }[] };
    for (const tool of shipped.tools) {
      if (tool.name === 'never_answers') tool.timeout_ms = shortTimeoutMs;
    }
    folder = await mkdtemp(join(tmpdir(), 'http-tools-e2e-'));
    const toolsFile = join(folder, 'http-tools.json');
    await writeFile(toolsFile, JSON.stringify(shipped));
    server = await startTestServer({
      HTTP_TOOLS_FILE: toolsFile,
      OPERATION_DEADLINE_MS: '60000',
    });
  });

  after(async () => {
    await server?.close();
    service?.child.kill('SIGTERM');
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const getSession = async (id: string) =>
    (await (await fetch(`${server.baseUrl}/api/chat/sessions/${id}`)).json()) as SessionDetail;
  const received = async () => (await (await fetch(`${serviceUrl}/received`)).json()) as Received;

  /** Sends `text` through the real `ai` client; resolves once its turn has ended. */
  async function send(text: string) {
    const sessionId = await createSession(server.baseUrl);
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
    await chat.sendMessage({ text });
    assert.equal(chat.status, 'ready', 'the turn completed');
    return { sessionId, chat };
  }

  it('200: the tool part holds the service result, the model describes it, the service got the start request', async () => {
    const { sessionId, chat } = await send(
      'count please [demo:call=word_count {"text":"the quick brown fox"}]',
    );
    const part = toolPart(chat.lastMessage, 'word_count');
    assert.equal(part?.state, 'output-available');
    assert.deepEqual(part?.output, { words: 4, characters: 19 });
    assert.equal(
      textOfMessage(chat.lastMessage),
      'The word_count tool returned {"words":4,"characters":19}.',
    );
    const [operation] = (await getSession(sessionId)).operations;
    assert.equal(operation?.status, 'completed');
    const start = (await received()).starts.find((entry) => entry.operation_id === operation?.id);
    assert.deepEqual(start, {
      tool: 'word-count',
      fields: ['callback_url', 'completion_token', 'input', 'operation_id'],
      operation_id: operation?.id,
      input: { text: 'the quick brown fox' },
      callback_url: `${server.baseUrl}/api/chat/operations/${operation?.id}/complete`,
    });
  });

  it('202 + webhook: the turn ends with the operation started, the service completes it through the webhook, the continuation answers with the result', async () => {
    const { sessionId, chat } = await send(
      '[demo:call=render_report {"title":"Q3 numbers","delay_ms":200}]',
    );
    const started = toolPart(chat.lastMessage, 'render_report');
    assert.equal((started?.output as { type?: string } | undefined)?.type, 'operation_started');
    assert.match(textOfMessage(chat.lastMessage), /^I started render_report \(operation \S+\)/);
    await waitFor(
      async () => {
        const detail = await getSession(sessionId);
        return (
          detail.operations[0]?.status === 'completed' &&
          detail.messages.length === 4 &&
          detail.active_stream === null
        );
      },
      { timeoutMs: 15_000, message: 'the service completed the operation and the model answered' },
    );
    const detail = await getSession(sessionId);
    const operation = detail.operations[0];
    const result = { title: 'Q3 numbers', pages: 11, format: 'pdf' };
    assert.deepEqual(operation?.result, result);
    assert.deepEqual(toolPart(detail.messages[1], 'render_report')?.output, {
      type: 'operation_completed',
      operation_id: operation?.id,
      tool_name: 'render_report',
      result,
    });
    assert.equal(
      textOfMessage(detail.messages[3]),
      `The render_report operation ${operation?.id} has completed. Its result: ${JSON.stringify(result)}`,
    );
    assert.deepEqual(
      (await received()).completions.filter((entry) => entry.operation_id === operation?.id),
      [{ operation_id: operation?.id, status: 200 }],
      'the webhook took the completion once',
    );
  });

  it('500: a tool error naming the status and the service body, which the model reports; the turn completes', async () => {
    const { sessionId, chat } = await send('[demo:call=always_fails]');
    const part = toolPart(chat.lastMessage, 'always_fails');
    assert.equal(part?.state, 'output-error');
    const error = 'always_fails answered HTTP 500: the report engine is out of paper';
    assert.equal(part?.errorText, `Error: ${error}`);
    assert.equal(textOfMessage(chat.lastMessage), `The always_fails tool failed: Error: ${error}.`);
    assert.equal((await getSession(sessionId)).operations[0]?.status, 'failed');
  });

  it('timeout: a service that never answers is a tool error after timeout_ms; the turn completes', async () => {
    const { sessionId, chat } = await send('[demo:call=never_answers]');
    const part = toolPart(chat.lastMessage, 'never_answers');
    assert.equal(part?.state, 'output-error');
    assert.equal(
      part?.errorText,
      `Error: never_answers did not answer within ${shortTimeoutMs} ms`,
    );
    assert.match(textOfMessage(chat.lastMessage), /^The never_answers tool failed: /);
    const [operation] = (await getSession(sessionId)).operations;
    assert.equal(operation?.status, 'failed');
    assert.ok(
      (await received()).starts.some((entry) => entry.operation_id === operation?.id),
      'the service did receive the call',
    );
  });

  it('cancel URL: deleting the session while the operation runs tells the service, which then never completes it', async () => {
    const { sessionId } = await send(
      '[demo:call=render_report {"title":"never finished","delay_ms":60000}]',
    );
    const [operation] = (await getSession(sessionId)).operations;
    assert.equal(operation?.status, 'running');
    const deleted = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`, {
      method: 'DELETE',
    });
    assert.equal(deleted.status, 204);
    await waitFor(
      async () => (await received()).cancels.some((entry) => entry.operation_id === operation?.id),
      { message: 'the service received the cancel' },
    );
    const seen = await received();
    assert.deepEqual(
      seen.cancels.filter((entry) => entry.operation_id === operation?.id),
      [{ operation_id: operation?.id, was_running: true }],
    );
    assert.equal(
      seen.completions.filter((entry) => entry.operation_id === operation?.id).length,
      0,
    );
  });
});
