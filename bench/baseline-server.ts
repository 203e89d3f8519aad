import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  convertToModelMessages,
  createUIMessageStreamResponse,
  stepCountIs,
  streamText,
  type UIMessage,
} from 'ai';
import { createBuiltInTools } from '../src/executor/tools/built-in-tools.ts';
import { defaultSystemPrompt } from '../src/config.ts';
import { createDemoLanguageModel } from '../src/model/demo-language-model.ts';

/**
 * The baseline every figure is compared with: the same demo model, system prompt, tools and
 * `streamText` settings as the executor, streamed straight through the AI SDK's
 * `createUIMessageStreamResponse` from a plain Node HTTP server — no store, no registry, no
 * queue, no resume. `POST /chat` takes the AI SDK transport body (`{messages}`) and answers the
 * last message. Prints `{"port":N}` on stdout once it listens on 127.0.0.1.
 */
const environment = process.env;
const model = createDemoLanguageModel({
  tokenDelayMs: Number(environment.DEMO_TOKEN_DELAY_MS ?? '1'),
  answerWords: Number(environment.DEMO_ANSWER_WORDS ?? '60'),
  slowSilenceMs: Number(environment.DEMO_SLOW_SILENCE_MS ?? '20000'),
});
const tools = createBuiltInTools();
const maxSteps = 5;

async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = JSON.parse(await readBody(request)) as { messages: UIMessage[] };
  const result = streamText({
    model,
    system: defaultSystemPrompt,
    messages: await convertToModelMessages(body.messages, { tools }),
    tools,
    stopWhen: stepCountIs(maxSteps),
  });
  const web = createUIMessageStreamResponse({
    stream: result.toUIMessageStream({
      generateMessageId: () => randomUUID(),
      messageMetadata: ({ part }) =>
        part.type === 'finish'
          ? { usage: part.totalUsage, finishReason: part.finishReason }
          : undefined,
    }),
  });
  response.writeHead(web.status, Object.fromEntries(web.headers));
  if (!web.body) {
    response.end();
    return;
  }
  const closed = new AbortController();
  response.once('close', () => closed.abort());
  for await (const bytes of web.body) {
    if (closed.signal.aborted) break;
    // Respect backpressure as the product's HTTP adapter does.
    if (!response.write(bytes)) await new Promise((resolve) => response.once('drain', resolve));
  }
  response.end();
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.once('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    request.once('error', reject);
  });
}

const server = createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/chat') {
    response.writeHead(404).end();
    return;
  }
  answer(request, response).catch((error: unknown) => {
    if (!response.headersSent) response.writeHead(500);
    response.end();
    process.stderr.write(`baseline: ${String(error)}\n`);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('SIGINT', () => server.close(() => process.exit(0)));
