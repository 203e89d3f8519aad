import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** Token counts reported in the final usage chunk. */
export interface FakeUsage {
  promptTokens: number;
  completionTokens: number;
}

/** One function call the fake model makes; `argumentChunks` joined must be the JSON arguments. */
export interface FakeToolCall {
  id: string;
  name: string;
  /** Streamed as successive `function.arguments` deltas, as OpenAI splits them. */
  argumentChunks: string[];
}

/**
 * The scripted answer to one `POST /v1/chat/completions`, consumed in enqueue order:
 *
 * - `text`: one `delta.content` chunk per entry of `deltas` (`delayMs` apart), then a chunk with
 *   `finish_reason: "stop"`, a usage chunk (`choices: []`) and `data: [DONE]`. With
 *   `disconnectAfterDeltas` the server instead destroys the socket right after the deltas, the
 *   way an upstream connection reset looks to the client.
 * - `tool-calls`: the calls streamed as `delta.tool_calls` (the first chunk of each carries `id`,
 *   `type: "function"` and `function.name`; the rest only `function.arguments` pieces), then
 *   `finish_reason: "tool_calls"`, usage and `[DONE]`.
 * - `http-error`: status `status` with an OpenAI-style body `{ error: { message, type, code } }`.
 *
 * A request that finds nothing enqueued gets a 500 saying so, rather than hanging the test.
 * A request without `stream: true` (what `generateText` sends) gets a scripted `text` answer as
 * one `chat.completion` object.
 */
export type FakeResponse =
  | {
      type: 'text';
      deltas: string[];
      delayMs?: number;
      usage?: FakeUsage;
      disconnectAfterDeltas?: boolean;
      /** `finish_reason` of the last chunk; `stop` unless set (`length`: cut at max_tokens). */
      finishReason?: string;
    }
  | { type: 'tool-calls'; toolCalls: FakeToolCall[]; usage?: FakeUsage }
  | {
      type: 'http-error';
      status: number;
      message: string;
      errorType?: string;
      code?: string | null;
    };

/** A running fake OpenAI-compatible server on 127.0.0.1. */
export interface FakeOpenAiServer {
  /** `http://127.0.0.1:<port>`; the OpenAI base URL is `${url}/v1`. */
  url: string;
  enqueue(response: FakeResponse): void;
  /** Parsed JSON bodies of the chat-completion requests received, in arrival order. */
  requests: unknown[];
  /** Headers of the same requests, index for index. */
  requestHeaders: IncomingHttpHeaders[];
  close(): Promise<void>;
}

const defaultUsage: FakeUsage = { promptTokens: 11, completionTokens: 7 };
const created = 1_700_000_000;

export interface FakeOpenAiServerOptions {
  /**
   * The model's context length: a request whose messages come to more tokens (one per four
   * characters of their JSON, a typical tokenizer's rate) plus `max_tokens` is refused before
   * any scripted answer is taken, with OpenAI's 400 `context_length_exceeded`.
   */
  contextTokens?: number;
}

/** Starts a fake OpenAI chat-completions server on a random loopback port. */
export async function startFakeOpenAiServer(
  options: FakeOpenAiServerOptions = {},
): Promise<FakeOpenAiServer> {
  const queue: FakeResponse[] = [];
  const requests: unknown[] = [];
  const requestHeaders: IncomingHttpHeaders[] = [];
  let completionCount = 0;

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      if (!response.headersSent)
        sendError(response, 500, `fake OpenAI server failed: ${String(error)}`, 'server_error');
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    if (request.method !== 'POST' || request.url !== '/v1/chat/completions') {
      sendError(
        response,
        404,
        `no route for ${request.method} ${request.url}`,
        'invalid_request_error',
      );
      return;
    }
    const parsed = JSON.parse(body) as {
      model?: string;
      stream?: boolean;
      messages?: unknown[];
      max_tokens?: number;
    };
    requests.push(parsed);
    requestHeaders.push(request.headers);
    const promptTokens = Math.ceil(JSON.stringify(parsed.messages ?? []).length / 4);
    const requested = promptTokens + (parsed.max_tokens ?? 0);
    if (options.contextTokens !== undefined && requested > options.contextTokens) {
      sendError(
        response,
        400,
        `This model's maximum context length is ${options.contextTokens} tokens. However, you requested ${requested} tokens (${promptTokens} in the messages, ${parsed.max_tokens ?? 0} in the completion).`,
        'invalid_request_error',
        'context_length_exceeded',
      );
      return;
    }
    const scripted = queue.shift();
    if (scripted === undefined) {
      sendError(response, 500, 'fake OpenAI server: no scripted response left', 'server_error');
      return;
    }
    if (scripted.type === 'http-error') {
      sendError(
        response,
        scripted.status,
        scripted.message,
        scripted.errorType ?? 'invalid_request_error',
        scripted.code,
      );
      return;
    }
    completionCount += 1;
    if (parsed.stream !== true) {
      if (scripted.type !== 'text') {
        sendError(
          response,
          500,
          'fake OpenAI server: only text answers are scripted whole',
          'server_error',
        );
        return;
      }
      sendCompletion(
        response,
        `chatcmpl-fake-${completionCount}`,
        parsed.model ?? 'fake-model',
        scripted,
      );
      return;
    }
    const writer = new ChunkWriter(
      response,
      `chatcmpl-fake-${completionCount}`,
      parsed.model ?? 'fake-model',
    );
    await writer.stream(scripted);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    enqueue: (response) => {
      queue.push(response);
    },
    requests,
    requestHeaders,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

class ChunkWriter {
  private readonly response: ServerResponse;
  private readonly id: string;
  private readonly model: string;

  constructor(response: ServerResponse, id: string, model: string) {
    this.response = response;
    this.id = id;
    this.model = model;
  }

  async stream(scripted: Exclude<FakeResponse, { type: 'http-error' }>): Promise<void> {
    this.response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
    });
    if (scripted.type === 'text') {
      this.write([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
      for (const content of scripted.deltas) {
        if (scripted.delayMs !== undefined) await delay(scripted.delayMs);
        if (this.response.destroyed) return;
        this.write([{ index: 0, delta: { content }, finish_reason: null }]);
      }
      if (scripted.disconnectAfterDeltas === true) {
        // Give the client time to read the deltas, so the reset lands mid-stream, not mid-headers.
        await delay(50);
        this.response.socket?.destroy();
        return;
      }
      this.finish(scripted.finishReason ?? 'stop', scripted.usage);
      return;
    }
    scripted.toolCalls.forEach((call, index) => {
      const [firstChunk = '', ...otherChunks] = call.argumentChunks;
      const opening = {
        index,
        id: call.id,
        type: 'function',
        function: { name: call.name, arguments: firstChunk },
      };
      this.write([
        { index: 0, delta: { role: 'assistant', tool_calls: [opening] }, finish_reason: null },
      ]);
      for (const piece of otherChunks) {
        this.write([
          {
            index: 0,
            delta: { tool_calls: [{ index, function: { arguments: piece } }] },
            finish_reason: null,
          },
        ]);
      }
    });
    this.finish('tool_calls', scripted.usage);
  }

  private finish(reason: string, usage: FakeUsage = defaultUsage): void {
    this.write([{ index: 0, delta: {}, finish_reason: reason }]);
    this.write([], {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    });
    this.response.end('data: [DONE]\n\n');
  }

  private write(choices: unknown[], usage?: unknown): void {
    const chunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created,
      model: this.model,
      choices,
      usage,
    };
    this.response.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }
}

/** A whole `chat.completion` object: the scripted deltas as one message. */
function sendCompletion(
  response: ServerResponse,
  id: string,
  model: string,
  scripted: Extract<FakeResponse, { type: 'text' }>,
): void {
  const usage = scripted.usage ?? defaultUsage;
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: scripted.deltas.join('') },
          finish_reason: scripted.finishReason ?? 'stop',
        },
      ],
      usage: {
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
        total_tokens: usage.promptTokens + usage.completionTokens,
      },
    }),
  );
}

function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  type: string,
  code?: string | null,
): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ error: { message, type, code: code ?? null } }));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
