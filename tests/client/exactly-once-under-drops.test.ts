import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DurableChatClient,
  type ResumableTurnStream,
  type TurnStreamEvent,
} from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { ByteCuttingProxy } from './support/byte-cutting-proxy.ts';

const randomInteger = (min: number, max: number) =>
  min + Math.floor(Math.random() * (max - min + 1));

const textOf = (events: readonly TurnStreamEvent[]) =>
  events.map(({ chunk }) => (chunk.type === 'text-delta' ? chunk.delta : '')).join('');

/** Reads to the end like a slow, uneven consumer, so cuts land at ever different moments. */
async function readAll(stream: ResumableTurnStream): Promise<TurnStreamEvent[]> {
  const events: TurnStreamEvent[] = [];
  for await (const event of stream) {
    events.push(event);
    if (Math.random() < 0.03) await sleep(randomInteger(0, 4));
  }
  return events;
}

describe('the resumable reader under random connection drops', () => {
  let server: TestServer;
  let proxy: ByteCuttingProxy;
  let direct: DurableChatClient;
  let flaky: DurableChatClient;
  let reconnects = 0;
  before(async () => {
    server = await startTestServer({ DEMO_TOKEN_DELAY_MS: '1' });
    const { hostname, port } = new URL(server.baseUrl);
    // Every connection through the proxy dies after 40 to 3000 bytes of its response: in the
    // headers, in the middle of an event, or between events.
    proxy = await ByteCuttingProxy.start({ host: hostname, port: Number(port) }, () =>
      randomInteger(40, 3000),
    );
    direct = new DurableChatClient({ baseUrl: server.baseUrl });
    flaky = new DurableChatClient({ baseUrl: proxy.baseUrl });
  });
  after(async () => {
    await proxy.close();
    await server.close();
  });

  const streamOptions = {
    reconnect: { initialDelayMs: 1, maxDelayMs: 16, retries: 10 },
    onReconnect: () => {
      reconnects += 1;
    },
  };

  /** The answer to `text` read without any fault, in a fresh session. */
  async function uninterrupted(text: string): Promise<string> {
    const { id } = await direct.createSession();
    return textOf(await readAll(await direct.sendMessage(id, text)));
  }

  /** Asserts the reader delivered the turn's whole log: positions 1..n once each, in order. */
  async function assertExactlyTheTurn(events: readonly TurnStreamEvent[], label: string) {
    const turnId = events[0]?.turnId;
    assert.ok(turnId, `${label}: no events`);
    assert.ok(
      events.every((event) => event.turnId === turnId),
      `${label}: events of another turn`,
    );
    const log = await server.runtime.api.registry.readAll(turnId);
    assert.deepEqual(
      events.map((event) => event.position),
      log.map((_entry, index) => index + 1),
      `${label}: positions are not exactly 1..n`,
    );
    assert.deepEqual(
      events.map((event) => event.chunk),
      log.map((entry) => entry.chunk),
      `${label}: chunks differ from the turn's log`,
    );
    assert.ok(
      ['finish', 'error', 'abort'].includes(events.at(-1)?.chunk.type ?? ''),
      `${label}: no terminal chunk`,
    );
  }

  it('delivers every position exactly once and in order across 200+ random cuts, for sends and resumes', async () => {
    let turns = 0;
    let resumes = 0;
    while ((proxy.cuts < 200 || turns < 6) && turns < 60) {
      turns += 1;
      const text =
        turns % 3 === 0
          ? `calculate ${turns}*(3+4) and explain [demo:words=${randomInteger(80, 200)}]`
          : `turn ${turns} [demo:words=${randomInteger(turns % 2 === 0 ? 300 : 100, 400)}]`;
      const expectedText = await uninterrupted(text);
      const { id } = await direct.createSession();
      let events: TurnStreamEvent[];
      if (turns % 2 === 0) {
        // Re-attach through the flaky network to a turn started elsewhere.
        const started = await direct.sendMessage(id, text);
        const resumed = await flaky.resumeTurn(id, streamOptions);
        if (resumed === null) {
          // Every first attempt was cut until the turn had ended: nothing left to resume.
          await readAll(started);
          assert.equal((await direct.getSession(id)).active_stream, null);
          continue;
        }
        resumes += 1;
        [events] = await Promise.all([readAll(resumed), readAll(started)]);
      } else {
        events = await readAll(await flaky.sendMessage(id, text, streamOptions));
      }
      const label = `turn ${turns} (${proxy.cuts} cuts so far)`;
      await assertExactlyTheTurn(events, label);
      assert.equal(textOf(events), expectedText, `${label}: text differs`);
      const session = await direct.getSession(id);
      assert.deepEqual(
        session.messages.map((message) => message.role),
        ['user', 'assistant'],
        `${label}: resends created a second turn`,
      );
    }
    assert.ok(proxy.cuts >= 200, `only ${proxy.cuts} cuts`);
    assert.ok(resumes >= 2, `only ${resumes} resumes were read`);
    assert.ok(reconnects >= proxy.cuts / 2, `${reconnects} reconnects for ${proxy.cuts} cuts`);
  });
});
