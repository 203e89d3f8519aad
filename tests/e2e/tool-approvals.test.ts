import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  isToolUIPart,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  type UIMessage,
} from 'ai';
import { createChatTransport, DurableChatClient } from '../../src/client/index.ts';
import { foldAssistantMessage } from '../../src/turn/fold-assistant-message.ts';
import { chunksOf, parseSseId, readSse } from '../support/read-sse.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createTestTransport, TestChat, textOfMessage } from '../support/test-chat.ts';
import { testJwtSecret, tokenFor, userA, userB } from '../support/tokens.ts';
import { waitFor } from '../support/wait-for.ts';

const question = 'water the plants [demo:approval]';

/** The one tool part of the demo's approval answer. */
function actionPart(message: UIMessage | undefined) {
  const part = message?.parts.find(isToolUIPart);
  assert.ok(part, 'the answer has a tool part');
  return part;
}

const stored = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe('tool approvals through the real AI SDK client', { timeout: 60_000 }, () => {
  let server: TestServer;
  let tokens: { a: string; b: string };
  before(async () => {
    server = await startTestServer({
      JWT_SECRET: testJwtSecret,
      DEMO_TOKEN_DELAY_MS: '2',
      DEMO_ANSWER_WORDS: '10',
    });
    tokens = { a: await tokenFor(userA), b: await tokenFor(userB) };
  });
  after(() => server.close());

  const clientOf = (token: string) => new DurableChatClient({ baseUrl: server.baseUrl, token });
  /** The turn each session's last send (through `chatOf`'s transport) started. */
  const sentTurns = new Map<string, string | null>();
  const chatOf = (id: string, messages: UIMessage[] = [], token = tokens.a) =>
    new TestChat({
      id,
      messages,
      transport: createChatTransport({
        baseUrl: server.baseUrl,
        token,
        onSent: ({ chatId, turnId }) => {
          sentTurns.set(chatId, turnId);
        },
      }),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });

  /** A session whose last answer waits for approval, and the chat that asked. */
  async function askedForApproval() {
    const { id } = await clientOf(tokens.a).createSession();
    const chat = chatOf(id);
    await chat.sendMessage({ text: question });
    assert.equal(chat.status, 'ready');
    const part = actionPart(chat.lastMessage);
    assert.equal(part.state, 'approval-requested');
    assert.deepEqual(part.input, { action: 'water the plants' });
    return { id, chat, approvalId: part.approval?.id ?? '' };
  }

  /** Answers and waits until the continuation has been read to its end. */
  async function answer(chat: TestChat, approvalId: string, approved: boolean, reason?: string) {
    await chat.addToolApprovalResponse({
      id: approvalId,
      approved,
      ...(reason === undefined ? {} : { reason }),
    });
    await waitFor(
      () => chat.status === 'ready' && actionPart(chat.lastMessage).state !== 'approval-responded',
    );
  }

  async function expectStoredEquals(id: string, chat: TestChat) {
    const { messages } = await clientOf(tokens.a).getSession(id);
    assert.deepEqual(stored(messages), stored(chat.messages), 'a reload shows what the chat shows');
  }

  it('approved: the tool runs and the same assistant message continues with its result', async () => {
    const { id, chat, approvalId } = await askedForApproval();
    const answerId = chat.lastMessage?.id;
    await answer(chat, approvalId, true);
    assert.equal(chat.error, undefined);
    assert.equal(chat.messages.length, 2, 'no second assistant message');
    assert.equal(chat.lastMessage?.id, answerId);
    const part = actionPart(chat.lastMessage);
    assert.equal(part.state, 'output-available');
    assert.deepEqual(part.output, { done: 'water the plants' });
    assert.match(textOfMessage(chat.lastMessage), /Done: water the plants\./);
    await expectStoredEquals(id, chat);
  });

  it('denied: tool-output-denied, and the model continues without the tool', async () => {
    const { id, chat, approvalId } = await askedForApproval();
    await answer(chat, approvalId, false, 'not today');
    const part = actionPart(chat.lastMessage);
    assert.equal(part.state, 'output-denied');
    assert.equal(part.approval?.reason, 'not today');
    assert.match(
      textOfMessage(chat.lastMessage),
      /Not done: the action was denied \(not today\)\./,
    );
    await expectStoredEquals(id, chat);
  });

  it('the continued turn replayed from its start rebuilds the whole answer (what a reload mid-turn resumes)', async () => {
    const { id, chat, approvalId } = await askedForApproval();
    await answer(chat, approvalId, true);
    const { active_stream: active } = await clientOf(tokens.a).getSession(id);
    assert.equal(active, null);
    // The ended turn is still replayable: name it with a cursor at its start.
    const turnId = sentTurns.get(id);
    const replay = await readSse(`${server.baseUrl}/api/chat/sessions/${id}/stream`, {
      headers: { authorization: `Bearer ${tokens.a}`, 'last-event-id': `${turnId}:0` },
    });
    assert.equal(replay.status, 200);
    assert.equal(parseSseId(replay.events[0]?.id)?.position, 1);
    const rebuilt = await foldAssistantMessage(chunksOf(replay.events), chat.lastMessage?.id ?? '');
    assert.deepEqual(stored(rebuilt), stored(chat.lastMessage));
  });

  it('approved after a reload: a chat built from the stored messages answers it', async () => {
    const { id } = await askedForApproval();
    const { messages } = await clientOf(tokens.a).getSession(id);
    const reloaded = chatOf(id, messages);
    await answer(reloaded, actionPart(reloaded.lastMessage).approval?.id ?? '', true);
    assert.equal(actionPart(reloaded.lastMessage).state, 'output-available');
    assert.match(textOfMessage(reloaded.lastMessage), /Done: water the plants\./);
    await expectStoredEquals(id, reloaded);
  });

  it('approved from a second client with the unmodified DefaultChatTransport; the first sees it on reload', async () => {
    const { id, chat: first, approvalId } = await askedForApproval();
    const { messages } = await clientOf(tokens.a).getSession(id);
    const second = new TestChat({
      id,
      messages,
      transport: createTestTransport(server.baseUrl, { authorization: `Bearer ${tokens.a}` }),
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });
    await answer(second, approvalId, true);
    assert.match(textOfMessage(second.lastMessage), /Done: water the plants\./);
    await expectStoredEquals(id, second);
    // The first client answering too is too late: the approval is no longer pending.
    await first.addToolApprovalResponse({ id: approvalId, approved: false });
    await waitFor(() => first.status !== 'submitted' && first.status !== 'streaming');
    assert.equal(first.status, 'error');
    assert.equal((first.error as { code?: string } | undefined)?.code, 'APPROVAL_NOT_PENDING');
    await expectStoredEquals(id, second);
  });

  it("another user's answer is refused like a missing session, and changes nothing", async () => {
    const { id, chat, approvalId } = await askedForApproval();
    const intruder = chatOf(id, structuredClone(chat.messages), tokens.b);
    await intruder.addToolApprovalResponse({ id: approvalId, approved: true });
    await waitFor(() => intruder.status === 'error');
    assert.equal((intruder.error as { status?: number } | undefined)?.status, 404);
    assert.equal((intruder.error as { code?: string } | undefined)?.code, 'SESSION_NOT_FOUND');
    const { messages } = await clientOf(tokens.a).getSession(id);
    assert.equal(actionPart(messages.at(-1)).state, 'approval-requested');
  });

  it('an assistant message answering no approval is invalid (422); an answer no longer last is 409', async () => {
    const { id, chat, approvalId } = await askedForApproval();
    const postAnswer = async (message: unknown) => {
      const response = await fetch(`${server.baseUrl}/api/chat/sessions/${id}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.a}` },
        body: JSON.stringify({ id, messages: [message], trigger: 'submit-message' }),
      });
      return {
        status: response.status,
        body: (await response.json()) as { error: { code: string } },
      };
    };
    const asked = chat.lastMessage as UIMessage;
    const invalid = await postAnswer(asked);
    assert.equal(invalid.status, 422);
    assert.equal(invalid.body.error.code, 'VALIDATION_FAILED');
    // The user moved on: a new question makes the asking answer history.
    await chat.sendMessage({ text: 'something else [demo:words=3]' });
    const stale = structuredClone(asked);
    const part = actionPart(stale) as { state: string; approval: Record<string, unknown> };
    part.state = 'approval-responded';
    part.approval = { id: approvalId, approved: true };
    const refused = await postAnswer(stale);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'APPROVAL_NOT_PENDING');
    const { messages } = await clientOf(tokens.a).getSession(id);
    assert.equal(messages.length, 4);
    assert.equal(actionPart(messages[1]).state, 'approval-requested');
  });

  it('the same approval sent twice runs the tool once: the retry re-attaches to its turn', async () => {
    const { id, chat } = await askedForApproval();
    const answered = structuredClone(chat.lastMessage) as UIMessage;
    const part = actionPart(answered) as { state: string; approval: Record<string, unknown> };
    part.state = 'approval-responded';
    part.approval = { ...part.approval, approved: true };
    const body = { id, messages: [answered], trigger: 'submit-message', messageId: answered.id };
    const post = () =>
      fetch(`${server.baseUrl}/api/chat/sessions/${id}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.a}` },
        body: JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, text: await response.text() }));
    const [first, second] = await Promise.all([post(), post()]);
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    const turnIds = [first, second].map((read) => /^id: ([^:\n]+):/m.exec(read.text)?.[1]);
    assert.equal(turnIds[0], turnIds[1], 'one turn');
    const { messages } = await clientOf(tokens.a).getSession(id);
    assert.equal(messages.length, 2);
    assert.equal(actionPart(messages[1]).state, 'output-available');
    assert.equal(textOfMessage(messages[1]).match(/Done: water the plants\./g)?.length, 1);
  });
});
