import { parseArgs } from 'node:util';

export const usage = `Usage: durable-chat chat [session] [options]

Chat with a durable-chat server in the terminal. Each line you type is a message; the answer
streams to stdout (tool calls, notices and errors go to stderr). Without a session a new one is
created and its id printed. Piped input works too: each line is sent in turn, then it exits.
The line /retry answers the last message again, replacing the last answer (after an error, a
stop, or to get another one).

Typing while an answer streams (in a terminal) sends a follow-up at once: a plain line steers
the running answer (it takes the message at its next step), /queue <text> has it answered
after the current task, /interrupt <text> stops the answer and answers the message instead.
A follow-up shows as "› you: <text>" where it lands, in the answer or before the next one.

Ctrl+C during an answer stops the turn on the server (a second Ctrl+C quits at once);
Ctrl+C or Ctrl+D at the prompt quits.

Options:
  --file <path>     attach a file to the first message you send (repeat for more); each is
                    uploaded before the prompt, and a refused one (too big, a type the server
                    does not accept) ends the program with the server's reason
  --resume          re-attach to the session's running turn first (needs a session)
  --url <url>       server URL (env DURABLE_CHAT_URL, default http://localhost:3000)
  --token <token>   bearer token (env DURABLE_CHAT_TOKEN)
  -h, --help        show this help
`;

export interface CliArguments {
  command: 'chat' | 'help';
  sessionId: string | null;
  resume: boolean;
  /** Paths of the files the first message attaches. */
  files: string[];
  url: string;
  token: string | null;
}

/** Parses the command line; throws a `TypeError` with a message for the user on bad input. */
export function parseCliArguments(
  argv: readonly string[],
  environment: Record<string, string | undefined>,
): CliArguments {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      resume: { type: 'boolean', default: false },
      file: { type: 'string', multiple: true, default: [] },
      url: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, sessionId, ...extra] = positionals;
  const url = values.url ?? environment.DURABLE_CHAT_URL ?? 'http://localhost:3000';
  const token = values.token ?? environment.DURABLE_CHAT_TOKEN ?? null;
  const parsed = {
    sessionId: sessionId ?? null,
    resume: values.resume,
    files: values.file,
    url,
    token,
  };
  if (values.help || command === undefined || command === 'help') {
    return { command: 'help', ...parsed };
  }
  if (command !== 'chat') throw new TypeError(`Unknown command "${command}".`);
  if (extra.length > 0) throw new TypeError(`Unexpected argument "${extra[0]}".`);
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new TypeError(`--url must be an http(s) URL, got "${url}".`);
  }
  if (values.resume && parsed.sessionId === null) {
    throw new TypeError('--resume needs the session to re-attach to.');
  }
  return { command: 'chat', ...parsed };
}
