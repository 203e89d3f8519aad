import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  isToolUIPart,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  type UIMessage,
} from 'ai';
import { type Cluster, startCluster } from '../support/cluster.ts';
import {
  createSession,
  createTestTransport,
  TestChat,
  textOfMessage,
} from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

const question = 'water the plants [demo:approval]';

function actionPart(message: UIMessage | undefined) {
  const part = message?.parts.find(isToolUIPart);
  assert.ok(part, 'the answer has a tool part');
  return part;
}

/**
 * Approvals on the scale-out adapters: the question is asked through one API process, answered
 * through the other (another device), and the executor continues the same assistant message.
 */
describe('tool approvals across processes (2 API processes, 1 executor)', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ apis: 2, executors: 1 });
  });
  after(() => cluster?.close());

  const chatOn = (url: string, id: string, messages: UIMessage[] = []) =>
    new TestChat({
      id,
      messages,
      transport: createTestTransport(url),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });

  async function messagesOn(url: string, id: string): Promise<UIMessage[]> {
    const response = await fetch(`${url}/api/chat/sessions/${id}`);
    return ((await response.json()) as { messages: UIMessage[] }).messages;
  }

  for (const approved of [true, false]) {
    it(`${approved ? 'approved' : 'denied'} on another API process: the same assistant message continues, as stored`, async () => {
      const [first, second] = cluster.apis;
      assert.ok(first && second);
      const id = await createSession(first.url);
      const asking = chatOn(first.url, id);
      await asking.sendMessage({ text: question });
      const asked = actionPart(asking.lastMessage);
      assert.equal(asked.state, 'approval-requested');
      const elsewhere = chatOn(second.url, id, await messagesOn(second.url, id));
      await elsewhere.addToolApprovalResponse({ id: asked.approval?.id ?? '', approved });
      await waitFor(
        () =>
          elsewhere.status === 'ready' &&
          actionPart(elsewhere.lastMessage).state !== 'approval-responded',
        { timeoutMs: 15_000, message: 'the continuation was read to its end' },
      );
      assert.equal(elsewhere.error, undefined);
      assert.equal(elsewhere.messages.length, 2, 'no second assistant message');
      assert.equal(elsewhere.lastMessage?.id, asking.lastMessage?.id);
      const part = actionPart(elsewhere.lastMessage);
      if (approved) {
        assert.equal(part.state, 'output-available');
        assert.match(textOfMessage(elsewhere.lastMessage), /Done: water the plants\./);
      } else {
        assert.equal(part.state, 'output-denied');
        assert.match(textOfMessage(elsewhere.lastMessage), /Not done/);
      }
      const reloaded = JSON.parse(JSON.stringify(await messagesOn(first.url, id))) as unknown;
      assert.deepEqual(reloaded, JSON.parse(JSON.stringify(elsewhere.messages)));
    });
  }
});
