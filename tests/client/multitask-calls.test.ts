import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UIMessage, UIMessageChunk } from 'ai';
import {
  DurableChatApiError,
  DurableChatClient,
  type ResumableTurnStream,
} from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { textOfMessage } from '../support/test-chat.ts';
import { visitorCookieHeader, visitorKeyFor } from '../support/visitor-keys.ts';

/** Reads a stream to its end; `onChunk` may start something while it runs. */
async function readAll(
  stream: ResumableTurnStream,
  onChunk?: (chunk: UIMessageChunk) => Promise<void> | void,
): Promise<UIMessageChunk[]> {
  const chunks: UIMessageChunk[] = [];
  for await (const { chunk } of stream) {
    chunks.push(chunk);
    await onChunk?.(chunk);
  }
  return chunks;
}

const textOf = (chunks: UIMessageChunk[]) =>
  chunks.map((chunk) => (chunk.type === 'text-delta' ? chunk.delta : '')).join('');

const steeringParts = (message: UIMessage | undefined) =>
  (message?.parts ?? []).filter((part) => part.type === 'steering-message');

/**
 * The SDK's steer / queue / interrupt / reject calls against the real product (embedded, demo
 * model with `[demo:steps]`), per the issue 11 contract: what each call answers, and where the
 * follow-up ends up in the session's history.
 */
describe('DurableChatClient multitask calls against the real server', () => {
  let server: TestServer;
  let client: DurableChatClient;
  before(async () => {
    // Slow enough that a follow-up sent on the first words lands before the answer ends.
    server = await startTestServer({ DEMO_TOKEN_DELAY_MS: '25' });
    client = new DurableChatClient({
      baseUrl: server.baseUrl,
      headers: visitorCookieHeader(visitorKeyFor('multitask-calls')),
    });
  });
  after(() => server.close());

  it('with no turn running, every strategy starts a turn and says so', async () => {
    const { id } = await client.createSession();
    const stream = await client.steer(id, 'Hello [demo:words=3]');
    assert.equal(stream.multitask, 'started');
    assert.ok(stream.turnId);
    await readAll(stream);
    const detail = await client.getSession(id);
    assert.deepEqual(detail.pending_messages, []);
    assert.equal(detail.messages.length, 2);
  });

  it('steer: the running answer takes the message at its next step and notes it', async () => {
    const { id } = await client.createSession();
    const first = await client.sendMessage(id, 'Plan a trip [demo:steps=3]');
    let steered: ResumableTurnStream | undefined;
    const firstChunks = await readAll(first, async (chunk) => {
      if (chunk.type === 'text-delta' && steered === undefined) {
        steered = await client.steer(id, { text: 'use Paris, Texas', messageId: 'steer-1' });
      }
    });
    assert.ok(steered);
    assert.equal(steered.multitask, 'steered');
    assert.equal(steered.turnId, first.turnId, 'the POST answers the running turn');
    const replayed = await readAll(steered);
    assert.deepEqual(replayed, firstChunks, 'the replay is the same answer, from its start');
    const steering = replayed.find((chunk) => chunk.type === 'steering-message');
    assert.deepEqual(steering, {
      type: 'steering-message',
      id: 'steer-1',
      parts: [{ type: 'text', text: 'use Paris, Texas' }],
    });
    assert.match(textOf(replayed), /Step 1 of 3\.Noted: use Paris, Texas\. Step 2 of 3\./);
    assert.match(textOf(replayed), /Done\.$/);

    const detail = await client.getSession(id);
    assert.deepEqual(detail.pending_messages, []);
    assert.deepEqual(
      detail.messages.map(({ role }) => role),
      ['user', 'assistant'],
    );
    assert.deepEqual(
      steeringParts(detail.messages[1]).map((part) => part.id),
      ['steer-1'],
    );
  });

  it('queue: the message is answered after the running task, exactly once', async () => {
    const { id } = await client.createSession();
    const first = await client.sendMessage(id, 'Count [demo:steps=2]');
    let queued: ResumableTurnStream | undefined;
    await readAll(first, async (chunk) => {
      if (chunk.type === 'text-delta' && queued === undefined) {
        queued = await client.queue(id, { text: 'and then?', messageId: 'queue-1' });
        const { pending_messages: pending } = await client.getSession(id);
        assert.deepEqual(
          pending.map(({ id: pendingId, mode }) => [pendingId, mode]),
          [['queue-1', 'queue']],
        );
      }
    });
    assert.ok(queued);
    assert.equal(queued.multitask, 'queued');
    await queued.close();
    // Taken by the running turn, or starting the next one: either way followSession ends it.
    for (
      let next = await client.followSession(id, { afterTurnId: first.turnId });
      next !== null;
      next = await client.followSession(id, { afterTurnId: next.turnId })
    ) {
      await readAll(next);
    }
    const detail = await client.getSession(id);
    assert.deepEqual(detail.pending_messages, []);
    const answers = detail.messages.filter(({ role }) => role === 'assistant');
    const notes =
      answers
        .map(textOfMessage)
        .join(' ')
        .match(/Noted: and then\./g) ?? [];
    assert.equal(notes.length, 1, 'answered exactly once');
    const allText = answers.map(textOfMessage).join(' ');
    assert.ok(allText.indexOf('Done.') < allText.indexOf('Noted: and then.'), 'after the task');
  });

  it('interrupt: the running turn stops with its partial answer and a new turn answers', async () => {
    const { id } = await client.createSession();
    const first = await client.sendMessage(id, 'Long one [demo:steps=5]');
    let interrupted: ResumableTurnStream | undefined;
    const firstChunks = await readAll(first, async (chunk) => {
      if (chunk.type === 'text-delta' && interrupted === undefined) {
        interrupted = await client.interrupt(id, 'stop, answer this [demo:words=4]');
      }
    });
    assert.equal(firstChunks.at(-1)?.type, 'abort', 'the running turn was stopped');
    assert.ok(interrupted);
    assert.equal(interrupted.multitask, 'interrupted');
    assert.notEqual(interrupted.turnId, first.turnId);
    const answer = await readAll(interrupted);
    assert.equal(textOf(answer).split(' ').length, 4);

    const detail = await client.getSession(id);
    assert.deepEqual(
      detail.messages.map(({ role }) => role),
      ['user', 'assistant', 'user', 'assistant'],
    );
    assert.match(textOfMessage(detail.messages[1]), /^Step/, 'the partial answer is kept');
  });

  it('reject: a message while a turn runs is refused with TURN_ALREADY_ACTIVE', async () => {
    const { id } = await client.createSession();
    const first = await client.sendMessage(id, 'Busy [demo:steps=2]');
    let refusal: unknown;
    await readAll(first, async (chunk) => {
      if (chunk.type === 'text-delta' && refusal === undefined) {
        refusal = await client.sendMessage(id, 'me too', { multitask: 'reject' }).then(
          () => 'accepted',
          (error: unknown) => error,
        );
      }
    });
    assert.ok(refusal instanceof DurableChatApiError, String(refusal));
    assert.equal(refusal.status, 409);
    assert.equal(refusal.code, 'TURN_ALREADY_ACTIVE');
    const detail = await client.getSession(id);
    assert.equal(detail.messages.length, 2);
    assert.deepEqual(detail.pending_messages, []);
  });
});
