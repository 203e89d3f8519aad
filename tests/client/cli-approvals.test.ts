import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isToolUIPart, type UIMessage } from 'ai';
import { DurableChatClient } from '../../src/client/index.ts';
import { runCli } from './support/run-cli.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { textOfMessage } from '../support/test-chat.ts';
import { testJwtSecret, tokenFor, userA } from '../support/tokens.ts';

const toolStateOf = (message: UIMessage | undefined) => message?.parts.find(isToolUIPart)?.state;

describe('tool approvals in the CLI', { timeout: 60_000 }, () => {
  let server: TestServer;
  let client: DurableChatClient;
  let environment: Record<string, string>;
  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret, DEMO_TOKEN_DELAY_MS: '2' });
    const token = await tokenFor(userA);
    client = new DurableChatClient({ baseUrl: server.baseUrl, token });
    environment = { DURABLE_CHAT_URL: server.baseUrl, DURABLE_CHAT_TOKEN: token };
  });
  after(() => server.close());

  for (const [reply, state, said] of [
    ['y', 'output-available', /Done: feed the cat\./],
    ['n', 'output-denied', /Not done: the action was denied\./],
  ] as const) {
    it(`asks "Approve <tool>(<input>)? [y/n]" and answering ${reply} continues the same answer`, async () => {
      const { id } = await client.createSession();
      const run = await runCli(
        ['chat', id],
        environment,
        `feed the cat [demo:approval]\n${reply}\n`,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, /Approve demo_action\(\{"action":"feed the cat"\}\)\? \[y\/n\]/);
      const { messages } = await client.getSession(id);
      assert.deepEqual(
        messages.map((message) => message.role),
        ['user', 'assistant'],
      );
      assert.equal(toolStateOf(messages[1]), state);
      assert.match(textOfMessage(messages[1]), said);
      assert.equal(run.stdout, `${textOfMessage(messages[1])}\n`);
    });
  }

  it('respondToApproval streams only the continuation, and refuses a second, other answer', async () => {
    const { id } = await client.createSession();
    const asked = await client.sendMessage(id, 'wash the car [demo:approval]');
    let messageId = '';
    let approvalId = '';
    for await (const { chunk } of asked) {
      if (chunk.type === 'start') messageId = chunk.messageId ?? '';
      if (chunk.type === 'tool-approval-request') approvalId = chunk.approvalId;
    }
    const approved = await client.respondToApproval(id, messageId, { approvalId, approved: true });
    const continued: string[] = [];
    for await (const { chunk } of approved) continued.push(chunk.type);
    // Only the continuation: the answer the client holds is not sent again.
    assert.equal(continued[0], 'start');
    assert.equal(continued.filter((type) => type === 'tool-input-available').length, 0);
    assert.ok(continued.includes('tool-output-available'), continued.join());
    await assert.rejects(client.respondToApproval(id, messageId, { approvalId, approved: false }), {
      status: 409,
      code: 'APPROVAL_NOT_PENDING',
    });
  });
});
