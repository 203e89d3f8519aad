import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DurableChatApiError } from '../durable-chat-api-error.ts';
import { DurableChatClient } from '../durable-chat-client.ts';
import { parseCliArguments, usage } from './cli-arguments.ts';
import { mediaTypeOfPath } from './media-type-of-path.ts';
import { TerminalChat } from './terminal-chat.ts';

/** `durable-chat chat [session]`: the SDK in a terminal. Resolves with the exit code. */
async function runCli(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCliArguments>;
  try {
    parsed = parseCliArguments(argv, process.env);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  if (parsed.command === 'help') {
    process.stdout.write(usage);
    return 0;
  }
  const client = new DurableChatClient({
    baseUrl: parsed.url,
    ...(parsed.token ? { token: parsed.token } : {}),
  });
  const fileIds: string[] = [];
  for (const path of parsed.files) {
    try {
      fileIds.push(await uploadFile(client, path));
    } catch (error) {
      process.stderr.write(`${describeStartError(error, parsed.url)} (--file ${path})\n`);
      return 1;
    }
  }
  let sessionId = parsed.sessionId;
  if (sessionId === null) {
    try {
      sessionId = (await client.createSession()).id;
    } catch (error) {
      process.stderr.write(`${describeStartError(error, parsed.url)}\n`);
      return 1;
    }
    process.stderr.write(`session ${sessionId}\n`);
  }
  // A closed pipe (`| head`) ends the program quietly instead of crashing it.
  process.stdout.on('error', () => process.exit(0));
  const chat = new TerminalChat({
    client,
    sessionId,
    input: process.stdin,
    output: process.stdout,
    notices: process.stderr,
    fileIds,
  });
  return chat.run({ resume: parsed.resume });
}

/** Uploads the file at `path`, typed by its extension; resolves with its id. */
async function uploadFile(client: DurableChatClient, path: string): Promise<string> {
  const content = await readFile(path);
  const file = new Blob([content], { type: mediaTypeOfPath(path) });
  const uploaded = await client.uploadFile(file, { filename: basename(path) });
  process.stderr.write(`attached ${uploaded.filename} (${uploaded.size_bytes} bytes)\n`);
  return uploaded.id;
}

function describeStartError(error: unknown, url: string): string {
  if (error instanceof DurableChatApiError) return `error: ${error.message} (${error.code})`;
  if (error instanceof TypeError) return `error: cannot reach the server at ${url}`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

process.exitCode = await runCli(process.argv.slice(2));
