import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { uninterruptedAnswer } from '../races/race-support.ts';
import { type Cluster, redisDeployments, startCluster } from '../support/cluster.ts';
import {
  chunksOf,
  parseSseId,
  type ReadSseOptions,
  readSse,
  type SseEvent,
  textOfChunks,
} from '../support/read-sse.ts';
import { createTestTransport, TestChat, textOfMessage } from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

const defaultWords = 40;

for (const redis of redisDeployments) {
  describe(`the scale-out deployment: 2 API processes, 2 executors, on ${redis.name}`, () => {
    let cluster: Cluster;
    before(async () => {
      cluster = await startCluster({
        ...redis.options,
        environment: { DEMO_ANSWER_WORDS: String(defaultWords), CANCEL_FORCE_CLOSE_MS: '4000' },
      });
    });
    after(() => cluster?.close());

    const api = (index: number) => {
      const process = cluster.apis[index % cluster.apis.length];
      assert.ok(process);
      return process.url;
    };
    const createSession = async (base: string) =>
      (
        (await (await fetch(`${base}/api/chat/sessions`, { method: 'POST' })).json()) as {
          id: string;
        }
      ).id;
    const post = (base: string, sessionId: string, message: string, init: ReadSseOptions = {}) =>
      readSse(`${base}/api/chat/sessions/${sessionId}/stream`, {
        ...init,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message }),
      });
    const dataEvents = (events: readonly SseEvent[]) =>
      events.filter((event) => event.data !== '[DONE]');

    it('a reader on the OTHER API process gets exactly what it missed, at 200 random cut points, with Last-Event-ID and ?after=', async () => {
      const sessionId = await createSession(api(0));
      const seen: SseEvent[] = [];
      const original = post(api(0), sessionId, 'tell me a long story [demo:words=6000]', {
        onEvent: (event) => seen.push(event),
      });
      await waitFor(() => seen.length > 5, { timeoutMs: 15_000 });
      const readers: Promise<{ cut: number; events: SseEvent[]; done: boolean }>[] = [];
      for (let iteration = 0; iteration < 200; iteration += 1) {
        const known = dataEvents(seen);
        const last = parseSseId(known.at(-1)?.id)?.position ?? 0;
        const turnId = parseSseId(known[0]?.id)?.turnId ?? '';
        const cut = Math.floor(Math.random() * (last + 1));
        const url = `${api(1)}/api/chat/sessions/${sessionId}/stream`;
        const byHeader = iteration % 2 === 0;
        readers.push(
          readSse(byHeader ? url : `${url}?after=${cut}`, {
            headers: byHeader ? { 'last-event-id': `${turnId}:${cut}` } : {},
          }).then((result) => ({ cut, events: result.events, done: result.done })),
        );
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
        if ((await Promise.race([original.then(() => true), Promise.resolve(false)])) === true)
          break;
      }
      const full = await original;
      assert.equal(full.done, true);
      const reference = dataEvents(full.events);
      let verified = 0;
      for (const [index, reader] of (await Promise.all(readers)).entries()) {
        // A reader that arrived after the end got 204: nothing to resume, nothing to check.
        if (reader.events.length === 0 && !reader.done) continue;
        verified += 1;
        assert.equal(reader.done, true, `reader ${index} ended with [DONE]`);
        assert.deepEqual(
          dataEvents(reader.events).map((event) => [event.id, event.data]),
          reference.slice(reader.cut).map((event) => [event.id, event.data]),
          `reader ${index} after ${reader.cut}`,
        );
      }
      assert.ok(verified >= 200, `only ${verified} cut points were checked while the turn ran`);
    });

    it('a reload switches API process: the AI SDK client resumes into exactly the uninterrupted answer', async () => {
      const text = 'switching servers [demo:words=400]';
      const expected = uninterruptedAnswer(text, defaultWords);
      const sessionId = await createSession(api(0));
      const first = new TestChat({ id: sessionId, transport: createTestTransport(api(0)) });
      const sending = first.sendMessage({ text });
      await waitFor(() => textOfMessage(first.lastMessage).split(' ').length > 20, {
        timeoutMs: 15_000,
      });
      await first.stop();
      await sending;
      const reloaded = (await (await fetch(`${api(1)}/api/chat/sessions/${sessionId}`)).json()) as {
        messages: UIMessage[];
        active_stream: unknown;
      };
      assert.notEqual(reloaded.active_stream, null);
      const second = new TestChat({
        id: sessionId,
        messages: reloaded.messages,
        transport: createTestTransport(api(1)),
      });
      await second.resumeStream();
      const assistants = second.messages.filter((message) => message.role === 'assistant');
      assert.equal(assistants.length, 1);
      assert.equal(textOfMessage(assistants[0]), expected);
    });

    it('Stop reaches the executor that runs the turn, whichever it is, through either API (every cancel lands quickly)', async () => {
      const rounds = 16;
      const sessions = await Promise.all(
        Array.from({ length: rounds }, (_, index) => createSession(api(index))),
      );
      await Promise.all(
        sessions.map(async (sessionId, index) => {
          const seen: SseEvent[] = [];
          const streaming = post(api(index), sessionId, `keep going ${index} [demo:words=5000]`, {
            onEvent: (event) => seen.push(event),
          });
          await waitFor(() => seen.length > 5, { timeoutMs: 20_000 });
          const started = Date.now();
          const cancel = await fetch(`${api(index + 1)}/api/chat/sessions/${sessionId}/cancel`, {
            method: 'POST',
          });
          assert.deepEqual(await cancel.json(), { cancelled: true });
          const tookMs = Date.now() - started;
          assert.ok(
            tookMs < 3000,
            `round ${index}: the executor stopped the turn itself (${tookMs} ms), no force-close`,
          );
          const result = await streaming;
          const chunks = chunksOf(result.events);
          assert.equal(chunks.at(-1)?.type, 'abort', `round ${index} ends as a stop`);
          assert.equal(chunks.filter((chunk) => chunk.type === 'abort').length, 1);
          const session = (await (
            await fetch(`${api(index)}/api/chat/sessions/${sessionId}`)
          ).json()) as {
            messages: UIMessage[];
          };
          assert.equal(textOfMessage(session.messages.at(-1)), textOfChunks(chunks));
        }),
      );
      const cancelledBy = await Promise.all(
        cluster.executors.map(async (executor) => {
          const metrics = await (await fetch(`${executor.url}/metrics`)).text();
          return Number(
            /durable_chat_turns_finished_total\{outcome="cancelled"\} (\d+)/.exec(metrics)?.[1] ??
              0,
          );
        }),
      );
      assert.equal(
        cancelledBy.reduce((sum, count) => sum + count, 0),
        rounds,
        `by executor: ${cancelledBy}`,
      );
      assert.ok(
        cancelledBy.every((count) => count > 0),
        `both executors ran and stopped turns: ${cancelledBy}`,
      );
    });

    it('50 concurrent turns with random client disconnects all complete and persist intact', async () => {
      const turns = await Promise.all(
        Array.from({ length: 50 }, async (_, index) => {
          const text = `turn number ${index} [demo:words=${60 + index}]`;
          const sessionId = await createSession(api(index));
          const controller = new AbortController();
          // One client in five may leave before its POST is even answered; the others leave at a
          // random point of the answer. Timed from the response, so a loaded machine cannot turn
          // every disconnect into one before acceptance.
          const leavesEarly = index % 5 === 0;
          if (leavesEarly) setTimeout(() => controller.abort(), Math.random() * 300);
          let accepted = false;
          await post(api(index), sessionId, text, {
            signal: controller.signal,
            onResponse: (status) => {
              accepted = status === 200;
              if (!leavesEarly) setTimeout(() => controller.abort(), Math.random() * 1500);
            },
          });
          return {
            sessionId,
            accepted,
            leavesEarly,
            expected: uninterruptedAnswer(text, defaultWords),
          };
        }),
      );
      for (const turn of turns) {
        if (!turn.leavesEarly) assert.ok(turn.accepted, `session ${turn.sessionId} was accepted`);
      }
      for (const { sessionId, accepted, expected } of turns) {
        await waitFor(
          async () => {
            const session = (await (
              await fetch(`${api(1)}/api/chat/sessions/${sessionId}`)
            ).json()) as {
              active_stream: unknown;
            };
            return session.active_stream === null;
          },
          { timeoutMs: 30_000, intervalMs: 50 },
        );
        const session = (await (
          await fetch(`${api(0)}/api/chat/sessions/${sessionId}`)
        ).json()) as {
          messages: UIMessage[];
        };
        // A client that left before the server answered may have left before it was accepted:
        // then nothing is stored. Whatever was accepted is stored whole.
        if (!accepted && session.messages.length === 0) continue;
        assert.deepEqual(
          session.messages.map((message) => message.role),
          ['user', 'assistant'],
        );
        assert.equal(textOfMessage(session.messages[1]), expected);
      }
    });
  });
}
