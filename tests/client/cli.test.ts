import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { DurableChatClient } from '../../src/client/index.ts';
import { repositoryRoot, startCli } from './support/run-cli.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { textOfMessage } from '../support/test-chat.ts';
import { testJwtSecret, tokenFor, userA } from '../support/tokens.ts';
import { waitFor } from '../support/wait-for.ts';

const sessionIdFrom = (stderr: string) => /session ([A-Za-z0-9_-]+)/.exec(stderr)?.[1];

describe('the durable-chat CLI as a real process against a real server', () => {
  let server: TestServer;
  let client: DurableChatClient;
  let environment: Record<string, string>;
  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret, DEMO_TOKEN_DELAY_MS: '3' });
    const token = await tokenFor(userA);
    client = new DurableChatClient({ baseUrl: server.baseUrl, token });
    environment = { DURABLE_CHAT_URL: server.baseUrl, DURABLE_CHAT_TOKEN: token };
  });
  after(() => server.close());

  const answersOf = async (sessionId: string): Promise<UIMessage[]> =>
    (await client.getSession(sessionId)).messages.filter((message) => message.role === 'assistant');

  it('npx durable-chat chat --help prints the usage', async () => {
    const { stdout } = await promisify(execFile)('npx', ['durable-chat', 'chat', '--help'], {
      cwd: repositoryRoot,
    });
    assert.match(stdout, /Usage: durable-chat chat \[session\]/);
    assert.match(stdout, /--resume/);
  });

  it('answers a piped message: the answer on stdout, the new session id on stderr, exit 0', async () => {
    const run = startCli(['chat'], environment, 'Hello from a pipe\n');
    assert.equal(await run.exit, 0, run.stderr());
    const sessionId = sessionIdFrom(run.stderr());
    assert.ok(sessionId, run.stderr());
    const [answer] = await answersOf(sessionId);
    assert.match(textOfMessage(answer), /Hello from a pipe/);
    assert.equal(run.stdout(), `${textOfMessage(answer)}\n`);
  });

  it('sends each piped line in turn to the given session and shows tool calls briefly', async () => {
    const { id } = await client.createSession();
    const run = startCli(['chat', id], environment, 'first line\n\ncalculate 12*(3+4)\n');
    assert.equal(await run.exit, 0, run.stderr());
    const answers = await answersOf(id);
    assert.equal(answers.length, 2);
    assert.equal(run.stdout(), answers.map((answer) => `${textOfMessage(answer)}\n`).join(''));
    assert.match(run.stderr(), /\[tool calculator \{"expression":"12\*\(3\+4\)"\}\]/);
    assert.match(run.stderr(), /\[tool result .*84/);
    assert.doesNotMatch(run.stderr(), /session /, 'no new session was created');
  });

  it('--resume re-attaches to the running turn and prints the whole answer', async () => {
    const { id } = await client.createSession();
    // Long enough (about 6 s) for the CLI process to start on a loaded machine before it ends.
    const elsewhere = await client.sendMessage(id, 'started elsewhere [demo:words=2000]');
    const run = startCli(
      ['chat', id, '--resume', '--token', environment.DURABLE_CHAT_TOKEN!],
      {
        DURABLE_CHAT_URL: server.baseUrl,
      },
      '',
    );
    for await (const _event of elsewhere);
    assert.equal(await run.exit, 0, run.stderr());
    assert.match(run.stderr(), /re-attached/);
    const [answer] = await answersOf(id);
    assert.equal(run.stdout(), `${textOfMessage(answer)}\n`);
  });

  it('/retry replaces a failed answer with a new one: one answer stored, exit 0', async () => {
    const { id } = await client.createSession();
    const run = startCli(['chat', id], environment, 'try me [demo:flaky]\n/retry\n');
    assert.equal(await run.exit, 0, run.stderr());
    assert.match(run.stderr(), /\[error\].*\n\[answering the last message again\]/);
    const messages = (await client.getSession(id)).messages;
    assert.deepEqual(
      messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    const answer = messages[1];
    assert.equal((answer?.metadata as { status?: string } | undefined)?.status, undefined);
    assert.match(textOfMessage(answer), /^You said: "try me"/);
    assert.equal(run.stdout(), `${textOfMessage(answer)}\n`);
  });

  it('/retry replaces only the last answer, keeping the conversation before it', async () => {
    const { id } = await client.createSession();
    const first = await client.sendMessage(id, 'earlier');
    for await (const _event of first);
    const run = startCli(['chat', id], environment, 'later\n/retry\n');
    assert.equal(await run.exit, 0, run.stderr());
    const messages = (await client.getSession(id)).messages;
    assert.deepEqual(
      messages.map((message) => [message.role, textOfMessage(message).split('.')[0]]),
      [
        ['user', 'earlier'],
        ['assistant', 'You said: "earlier"'],
        ['user', 'later'],
        ['assistant', 'You said: "later"'],
      ],
    );
    const regenerated = textOfMessage(messages[3]);
    assert.equal(run.stdout(), `${regenerated}\n${regenerated}\n`, 'the answer, then its retry');
  });

  it('/retry in a chat with nothing to answer reports it and exits 1', async () => {
    const { id } = await client.createSession();
    const run = startCli(['chat', id], environment, '/retry\n');
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /NOTHING_TO_REGENERATE/);
  });

  it('--resume with nothing running says so and exits', async () => {
    const { id } = await client.createSession();
    const run = startCli(['chat', id, '--resume'], environment, '');
    assert.equal(await run.exit, 0);
    assert.match(run.stderr(), /no turn is running/);
  });

  it('Ctrl+C during an answer stops the turn on the server and shows it stopped', async () => {
    const { id } = await client.createSession();
    const run = startCli(['chat', id], environment, 'a very long answer [demo:words=2000]\n');
    await waitFor(() => run.stdout().length > 40, { timeoutMs: 20_000 });
    const turnId = (await client.getSession(id)).active_stream?.turn_id;
    assert.ok(turnId);
    run.process.kill('SIGINT');
    assert.equal(await run.exit, 130, run.stderr());
    assert.match(run.stderr(), /\[stopped\]/);
    assert.equal((await server.runtime.api.store.getTurn(turnId))?.status, 'cancelled');
    const [answer] = await answersOf(id);
    assert.equal((answer?.metadata as { status?: string } | undefined)?.status, 'cancelled');
    assert.ok(textOfMessage(answer).length > 0);
    assert.ok(textOfMessage(answer).split(' ').length < 2000, 'it stopped before the end');
    assert.equal((await client.getSession(id)).active_stream, null);
  });

  it('reports refusals clearly with a non-zero exit code', async () => {
    const missing = startCli(['chat', 'no-such-session'], environment, 'hello\n');
    assert.equal(await missing.exit, 1);
    assert.match(missing.stderr(), /Session not found\. \(SESSION_NOT_FOUND\)/);

    const forged = startCli(['chat', '--token', 'forged'], environment, 'hi\n');
    assert.equal(await forged.exit, 1);
    assert.match(forged.stderr(), /error: .+ \(UNAUTHENTICATED\)/);

    const unreachable = startCli(['chat', '--url', 'http://127.0.0.1:9'], environment, 'hi\n');
    assert.equal(await unreachable.exit, 1);
    assert.match(unreachable.stderr(), /cannot reach the server/);

    const wrong = startCli(['chat', 'a', 'b'], environment, '');
    assert.equal(await wrong.exit, 2);
    assert.match(wrong.stderr(), /Unexpected argument "b"/);
  });
});
