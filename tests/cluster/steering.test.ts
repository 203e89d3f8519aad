import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UIMessage, UIMessageChunk } from 'ai';
import { DurableChatApiError } from '../../src/client/durable-chat-api-error.ts';
import { DurableChatClient } from '../../src/client/durable-chat-client.ts';
import type { ResumableTurnStream } from '../../src/client/resumable-turn-stream.ts';
import { turnOutcomes } from '../../src/turn/turn-outcomes.ts';
import { checkTurnStream, randomDelay, uninterruptedAnswer } from '../races/race-support.ts';
import {
  type Cluster,
  type ClusterProcess,
  killProcess,
  startCluster,
} from '../support/cluster.ts';
import { createTestTransport, TestChat, textOfMessage } from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';
import {
  ClusterProbe,
  createSession,
  postTurn,
  waitForText,
  waitUntilNoSessionActive,
} from './cluster-fault-support.ts';

/**
 * Words of a `[demo:steps]` step (`Step k of N.`, then the `demo_step` call's two input deltas)
 * are this far apart: a step lasts about 0.6 s, so a follow-up posted once the first word is
 * shown lands while the first step streams on any machine, and a whole answer stays short.
 */
const tokenDelayMs = 100;
const answerWords = 5;
const leaseTtlMs = 1_500;
const sweepIntervalMs = 300;

/** Where a follow-up ended up in the conversation. */
type Placement = 'steered' | 'next-turn';

/** Every place the message `id` appears: as a user message, or as a steering part of an answer. */
function placementsOf(messages: UIMessage[], id: string): { placement: Placement; at: number }[] {
  return messages.flatMap((message, at) => [
    ...(message.role === 'user' && message.id === id
      ? [{ placement: 'next-turn' as const, at }]
      : []),
    ...message.parts
      .filter((part) => part.type === 'steering-message' && part.id === id)
      .map(() => ({ placement: 'steered' as const, at })),
  ]);
}

/** The text of the parts of `message` from `start` on (or before `end`). */
function textOfParts(message: UIMessage, start: number, end = message.parts.length): string {
  return textOfMessage({ ...message, parts: message.parts.slice(start, end) });
}

function steeringIndex(message: UIMessage | undefined, id: string): number {
  return (message?.parts ?? []).findIndex(
    (part) => part.type === 'steering-message' && part.id === id,
  );
}

function occurrences(text: string, search: string): number {
  return text.split(search).length - 1;
}

/** JSON round trip: what a client holds and what the API serves compare as plain data. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

async function readAll(stream: ResumableTurnStream): Promise<UIMessageChunk[]> {
  const chunks: UIMessageChunk[] = [];
  for await (const event of stream) chunks.push(event.chunk);
  return chunks;
}

describe('follow-ups across processes: steer, queue, interrupt, reject (2 API processes, 2 executors)', () => {
  let cluster: Cluster;
  let probe: ClusterProbe;
  /** The executors running now: a test that kills one puts its replacement here. */
  let executors: ClusterProcess[];
  before(async () => {
    cluster = await startCluster({
      environment: {
        DEMO_TOKEN_DELAY_MS: String(tokenDelayMs),
        DEMO_ANSWER_WORDS: String(answerWords),
        MAX_STEPS: '12',
        LEASE_TTL_MS: String(leaseTtlMs),
        SWEEP_INTERVAL_MS: String(sweepIntervalMs),
        CANCEL_FORCE_CLOSE_MS: '4000',
      },
    });
    executors = [...cluster.executors];
    probe = await ClusterProbe.open(cluster);
  });
  after(async () => {
    await probe?.close();
    await cluster?.close();
  });

  const api = (index: number) => {
    const process = cluster.apis[index % cluster.apis.length];
    assert.ok(process);
    return process.url;
  };
  const client = (index: number) => new DurableChatClient({ baseUrl: api(index) });

  /**
   * Sends the first message with the AI SDK's own chat on API 0 and waits until the answer's
   * first word is shown: the turn runs and its first step streams.
   */
  async function startAnswer(text: string) {
    const sessionId = await createSession(api(0));
    const chat = new TestChat({ id: sessionId, transport: createTestTransport(api(0)) });
    const sending = chat.sendMessage({ text });
    await waitFor(() => textOfMessage(chat.lastMessage).includes('Step'), {
      timeoutMs: 15_000,
      intervalMs: 5,
      message: 'the first step streams',
    });
    const running = (await client(1).getSession(sessionId)).active_stream?.turn_id;
    assert.ok(running, 'a turn runs');
    return { sessionId, chat, sending, running };
  }

  /** The first step of the turn has not ended yet (no `finish-step` in its log). */
  async function firstStepStreams(turnId: string): Promise<boolean> {
    const chunks = await probe.registryChunks(turnId);
    return !chunks.some((chunk) => chunk.type === 'finish-step');
  }

  /** Waits until nothing runs and nothing waits in the session; its stored messages then. */
  async function settled(sessionId: string, label: string): Promise<UIMessage[]> {
    await waitFor(
      async () => {
        const session = await client(0).getSession(sessionId);
        return session.active_stream === null && session.pending_messages.length === 0;
      },
      { timeoutMs: 20_000, intervalMs: 50, message: `${label}: the session settles` },
    );
    const statuses = await probe.storedTurnStatuses(sessionId);
    assert.ok(
      statuses.every(({ status }) => !['queued', 'running'].includes(status)),
      `${label}: a stored turn is unfinished: ${JSON.stringify(statuses)}`,
    );
    const active = await probe.activeTurns();
    assert.ok(
      active.every((turn) => turn.sessionId !== sessionId),
      `${label}: the registry still lists a turn of the session`,
    );
    return (await client(1).getSession(sessionId)).messages;
  }

  /**
   * The follow-up `id` was answered exactly once: it is in the conversation once (a steering
   * part of an answer, or the user message of a later turn), the model acknowledged it once,
   * right there, and its stored row names the turn that took it. Returns where it landed.
   * `cutShort`: the answer that took it may have died before the model said anything more.
   */
  async function assertAnsweredOnce(
    sessionId: string,
    messages: UIMessage[],
    followUp: { id: string; text: string },
    label: string,
    cutShort = false,
  ): Promise<Placement> {
    const placements = placementsOf(messages, followUp.id);
    assert.equal(placements.length, 1, `${label}: placed ${JSON.stringify(placements)}`);
    const [{ placement, at }] = placements as [{ placement: Placement; at: number }];
    const acknowledgement = `Noted: ${followUp.text}.`;
    const everything = messages.map((message) => textOfMessage(message)).join('\n');
    const answer = placement === 'steered' ? messages[at] : messages[at + 1];
    assert.ok(answer && answer.role === 'assistant', `${label}: answered right there`);
    const from = placement === 'steered' ? steeringIndex(answer, followUp.id) : 0;
    const acknowledged = textOfParts(answer, from).includes(acknowledgement);
    assert.equal(
      occurrences(everything, acknowledgement),
      acknowledged ? 1 : 0,
      `${label}: acknowledged at most once, where it landed, in:\n${everything}`,
    );
    assert.ok(
      acknowledged || (cutShort && placement === 'steered'),
      `${label}: the answer acknowledges it after receiving it`,
    );
    const rows = await probe.pendingMessageRows(sessionId);
    assert.ok(
      rows.every((row) => row.takenBy !== null),
      `${label}: a follow-up still waits: ${JSON.stringify(rows)}`,
    );
    return placement;
  }

  it('steer through the other API process: the running answer takes it mid-answer, one assistant message with the steering part and "Noted: …", the same after a reload from either API', async () => {
    const { sessionId, chat, sending, running } = await startAnswer('[demo:steps=3] plan a trip');
    const followUp = { id: 'steer-1', text: 'use Paris, Texas' };
    const steered = await client(1).steer(sessionId, {
      text: followUp.text,
      messageId: followUp.id,
    });
    const duringFirstStep = await firstStepStreams(running);
    assert.deepEqual([steered.multitask, steered.turnId], ['steered', running]);
    const steerStream = readAll(steered);
    await sending;
    assert.equal(chat.status, 'ready');
    const messages = await settled(sessionId, 'steer');
    const placement = await assertAnsweredOnce(sessionId, messages, followUp, 'steer');
    // Placed while the first step streamed, at least two step boundaries were still ahead.
    if (!duringFirstStep) return;
    assert.equal(placement, 'steered');
    assert.deepEqual(
      chat.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    const answer = chat.lastMessage;
    assert.ok(answer);
    const index = steeringIndex(answer, followUp.id);
    assert.deepEqual(answer.parts[index], {
      type: 'steering-message',
      id: followUp.id,
      parts: [{ type: 'text', text: followUp.text }],
    });
    assert.doesNotMatch(textOfParts(answer, 0, index), /Noted/);
    assert.match(textOfParts(answer, index), /^Noted: use Paris, Texas\. Step \d of 3\./);
    assert.match(textOfMessage(answer), /Done\.$/);
    // The follow-up's own response replayed the running turn from its start, steering included.
    const replayed = await steerStream;
    assert.equal(replayed[0]?.type, 'start');
    assert.equal(replayed.at(-1)?.type, 'finish');
    assert.ok(
      replayed.some((chunk) => chunk.type === 'steering-message' && chunk.id === followUp.id),
    );
    for (const index of [0, 1]) {
      const reloaded = await client(index).getSession(sessionId);
      assert.deepEqual(reloaded.pending_messages, [], `API ${index}`);
      assert.deepEqual(plain(reloaded.messages), plain(chat.messages), `reload from API ${index}`);
    }
  });

  it('queue through the other API process: answered after the current task, in the same answer', async () => {
    const { sessionId, chat, sending, running } = await startAnswer('[demo:steps=2] count');
    const followUp = { id: 'queue-1', text: 'and after that' };
    const queued = await client(1).queue(sessionId, {
      text: followUp.text,
      messageId: followUp.id,
    });
    const duringFirstStep = await firstStepStreams(running);
    assert.deepEqual([queued.multitask, queued.turnId], ['queued', running]);
    const waiting = (await client(0).getSession(sessionId)).pending_messages;
    await queued.close();
    await sending;
    const messages = await settled(sessionId, 'queue');
    const placement = await assertAnsweredOnce(sessionId, messages, followUp, 'queue');
    if (duringFirstStep) {
      // Nothing could take it before the first step ended: the API on the other side listed it.
      assert.deepEqual(
        waiting.map((pending) => [pending.id, pending.mode]),
        [[followUp.id, 'queue']],
      );
    }
    if (!duringFirstStep) return;
    assert.equal(placement, 'steered');
    const answer = chat.lastMessage;
    assert.ok(answer);
    const index = steeringIndex(answer, followUp.id);
    assert.match(textOfParts(answer, 0, index), /Step 2 of 2\.Done\.$/, 'the task came first');
    assert.match(textOfParts(answer, index), /^Noted: and after that\./);
    assert.deepEqual(plain(messages), plain(chat.messages));
  });

  it('interrupt through the other API process: the running answer stops with its partial text kept and marked stopped, a new turn answers', async () => {
    const { sessionId, chat, sending, running } = await startAnswer('[demo:steps=3] long one');
    await waitFor(() => textOfMessage(chat.lastMessage).startsWith('Step 1 of 3.'), {
      timeoutMs: 15_000,
      intervalMs: 5,
      message: 'the first step is shown',
    });
    const text = '[demo:words=4] stop, do X';
    const interrupted = await client(1).interrupt(sessionId, { text, messageId: 'interrupt-1' });
    assert.equal(interrupted.multitask, 'interrupted');
    assert.ok(interrupted.turnId && interrupted.turnId !== running, 'a new turn answers');
    const answer = await readAll(interrupted);
    assert.equal(answer.at(-1)?.type, 'finish');
    await sending;
    assert.equal(chat.status, 'ready', 'the interrupted answer ends as a stop, not an error');
    const messages = await settled(sessionId, 'interrupt');
    assert.deepEqual(
      messages.map((message) => [message.role, message.id === 'interrupt-1']),
      [
        ['user', false],
        ['assistant', false],
        ['user', true],
        ['assistant', false],
      ],
    );
    const [, partial, , next] = messages;
    assert.match(textOfMessage(partial), /^Step 1 of 3\./, 'the partial answer is kept');
    assert.doesNotMatch(textOfMessage(partial), /Done\./);
    assert.equal((partial?.metadata as { status?: string } | undefined)?.status, 'cancelled');
    assert.equal(await probe.storedTurnStatus(running), 'cancelled');
    assert.equal(await probe.storedTurnStatus(interrupted.turnId), 'completed');
    assert.equal(textOfMessage(next), uninterruptedAnswer(text, answerWords));
    assert.deepEqual(
      plain(partial?.parts),
      plain(chat.lastMessage?.parts),
      'stored as the chat shows it',
    );
  });

  it('reject through the other API process: 409 TURN_ALREADY_ACTIVE, nothing stored, the running answer goes on', async () => {
    const { sessionId, chat, sending } = await startAnswer('[demo:steps=3] hi');
    const refused = await client(1)
      .sendMessage(sessionId, { text: 'me too', messageId: 'reject-1' }, { multitask: 'reject' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(refused instanceof DurableChatApiError, `refused: ${String(refused)}`);
    assert.deepEqual([refused.status, refused.code], [409, 'TURN_ALREADY_ACTIVE']);
    await sending;
    assert.match(textOfMessage(chat.lastMessage), /Step 3 of 3\.Done\.$/);
    const messages = await settled(sessionId, 'reject');
    assert.equal(messages.length, 2);
    assert.equal(
      messages.some((message) => message.id === 'reject-1'),
      false,
    );
    assert.deepEqual(await probe.pendingMessageRows(sessionId), []);
  });

  /**
   * Starts a long answer on API 0, steers it through API 1 and SIGKILLs the executor that runs
   * it — at once, or (`afterModelReceived`) once its log shows the model received the follow-up —
   * then checks the dead turn ends as failed and the follow-up is answered exactly once. A
   * replacement executor starts meanwhile, for the tests after this one.
   */
  async function steerThenKill(
    followUp: { id: string; text: string },
    afterModelReceived: boolean,
  ) {
    const sessionId = await createSession(api(0));
    const reader = postTurn(api(0), sessionId, '[demo:steps=6] survive a crash');
    await waitForText(reader, 1);
    const turnId = reader.turnId();
    assert.ok(turnId);
    const victim = await probe.leaseHolder(turnId, executors);
    assert.ok(victim, 'an executor of the cluster runs the turn');
    const steered = await client(1).steer(sessionId, {
      text: followUp.text,
      messageId: followUp.id,
    });
    await steered.close();
    assert.deepEqual([steered.multitask, steered.turnId], ['steered', turnId]);
    if (afterModelReceived) {
      await waitFor(
        async () =>
          (await probe.registryChunks(turnId)).some(
            (chunk) => chunk.type === 'steering-message' && chunk.id === followUp.id,
          ),
        { timeoutMs: 10_000, intervalMs: 10, message: 'the model received the follow-up' },
      );
    }
    await killProcess(victim);
    executors = executors.filter((executor) => executor !== victim);
    const replacement = cluster.addExecutor();
    assert.equal((await probe.registryTurn(turnId)).status, 'running', 'killed mid-turn');
    // Received or not, it is taken only when its turn ends: it waits, stored, until then.
    assert.deepEqual(
      (await client(0).getSession(sessionId)).pending_messages.map((pending) => pending.id),
      [followUp.id],
      'stored, waiting while the dead turn is still listed as running',
    );
    const stream = checkTurnStream(await reader.result, 'the killed turn');
    assert.equal(stream.status, 'failed');
    assert.equal(
      stream.terminal.type === 'error' && stream.terminal.errorText,
      turnOutcomes.executorGone.publicErrorText,
    );
    const messages = await settled(sessionId, 'after the kill');
    const placement = await assertAnsweredOnce(
      sessionId,
      messages,
      followUp,
      'after the kill',
      true,
    );
    const failed = messages.find((message) => message.id === stream.assistantMessageId);
    assert.equal((failed?.metadata as { status?: string } | undefined)?.status, 'failed');
    const turns = await probe.storedTurnStatuses(sessionId);
    assert.deepEqual(
      turns.map(({ status }) => status),
      placement === 'steered' ? ['failed'] : ['failed', 'completed'],
    );
    const rows = await probe.pendingMessageRows(sessionId);
    assert.deepEqual(
      rows,
      [{ id: followUp.id, takenBy: placement === 'steered' ? turnId : turns[1]?.id }],
      'taken by the turn that answered it',
    );
    executors.push(await replacement);
    await waitUntilNoSessionActive(api(1), 3_000);
    return placement;
  }

  it('an executor SIGKILLed right after a steer was accepted: after the sweeper ends the dead turn, the follow-up is answered exactly once, nothing stays running', async (context) => {
    const placement = await steerThenKill({ id: 'crash-1', text: 'keep it short' }, false);
    context.diagnostic(`the follow-up landed as: ${placement}`);
  });

  it('an executor SIGKILLed after its model received a steer: the follow-up stays in the failed answer as a steering part and is not answered again', async () => {
    const placement = await steerThenKill({ id: 'crash-2', text: 'then stop' }, true);
    assert.equal(placement, 'steered');
  });

  it('rounds of steers to alternating API processes, each landing at a random point: every follow-up is answered exactly once', async (context) => {
    const rounds = 6;
    const sessionId = await createSession(api(0));
    const landed: string[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const reader = postTurn(api(round), sessionId, `[demo:steps=2] round ${round}`);
      await waitForText(reader, 1);
      const turnId = reader.turnId();
      assert.ok(turnId);
      // Up to past the end of the answer (about 2 s with the processes' overhead): some land
      // mid-step, some at a step's end, some after the turn ended.
      await sleep(randomDelay(2_500));
      const followUp = { id: `round-${round}`, text: `round ${round} prefers option ${round}` };
      const steered = await client(round + 1).steer(sessionId, {
        text: followUp.text,
        messageId: followUp.id,
      });
      const duringFirstStep = await firstStepStreams(turnId);
      await steered.close();
      assert.ok(
        steered.multitask === 'steered' || steered.multitask === 'started',
        `round ${round}: ${steered.multitask}`,
      );
      const stream = checkTurnStream(await reader.result, `round ${round}`);
      assert.equal(stream.status, 'completed');
      const messages = await settled(sessionId, `round ${round}`);
      const placement = await assertAnsweredOnce(sessionId, messages, followUp, `round ${round}`);
      if (steered.multitask === 'steered' && duringFirstStep) assert.equal(placement, 'steered');
      if (steered.multitask === 'started') assert.equal(placement, 'next-turn');
      landed.push(`${steered.multitask}→${placement}`);
    }
    context.diagnostic(`follow-ups landed: ${landed.join(', ')}`);
  });
});
