import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AllInOneProcess, exitOf, startAllInOne } from '../support/all-in-one-process.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';

const megabyte = 1024 * 1024;
const pieceBytes = 64 * 1024;

/** A seed stream body of about `bytes` bytes: valid JSON, only too large. */
function messageBody(bytes: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify({ message: 'x'.repeat(bytes) }));
}

/** `bytes` as a stream, so fetch sends it chunked (no content-length). */
function chunked(bytes: Uint8Array<ArrayBuffer>): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + pieceBytes));
      offset += pieceBytes;
    },
  });
}

/**
 * A chunked body that never ends, until the client stops sending it. Each piece waits for the
 * event loop's next turn, as a real sender does: one that never yields would starve this process
 * and never read the answer.
 */
function endless(): ReadableStream<Uint8Array> {
  const opening = new TextEncoder().encode('{"message":"');
  let first = true;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setImmediate(resolve));
      controller.enqueue(first ? opening : new Uint8Array(pieceBytes).fill(120));
      first = false;
    },
  });
}

interface Attempt {
  size: number;
  keepAlive: boolean;
  framing: 'content-length' | 'chunked';
}

/** What the client saw: the status and error code of the answer, or why there was none. */
async function post(url: string, body: BodyInit, keepAlive: boolean): Promise<string> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(keepAlive ? {} : { connection: 'close' }),
      },
      body,
      duplex: 'half',
    } as RequestInit);
    const type = response.headers.get('content-type') ?? '';
    const text = await response.text();
    const code = type.startsWith('application/json')
      ? (JSON.parse(text) as { error?: { code?: string } }).error?.code
      : `non-JSON ${JSON.stringify(text.slice(0, 80))}`;
    return `${response.status} ${code}`;
  } catch (error) {
    return `no answer: ${String(error)} (${String((error as { cause?: unknown }).cause)})`;
  }
}

interface Target {
  baseUrl: () => string;
  start: () => Promise<void>;
  stop: () => Promise<void>;
}

let allInOne: AllInOneProcess | undefined;
let dataDir = '';
let cluster: Cluster | undefined;

// Both entry points, as their own processes listening on real sockets: `npm start` (PGlite,
// in-process queue) and `npm run start:api` (PostgreSQL, Redis, RabbitMQ; no executor needed,
// no turn ever starts).
const targets: Record<string, Target> = {
  'npm start (all-in-one)': {
    baseUrl: () => allInOne?.baseUrl ?? '',
    async start() {
      dataDir = await mkdtemp(join(tmpdir(), 'durable-chat-oversized-'));
      allInOne = await startAllInOne({ DATA_DIR: dataDir });
    },
    async stop() {
      if (allInOne) {
        allInOne.child.kill('SIGTERM');
        await exitOf(allInOne.child);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  },
  'npm run start:api (scale-out)': {
    baseUrl: () => cluster?.apis[0]?.url ?? '',
    async start() {
      cluster = await startCluster({ apis: 1, executors: 0 });
    },
    stop: async () => cluster?.close(),
  },
};

for (const [name, target] of Object.entries(targets)) {
  describe(`oversized request bodies over real connections: ${name}`, { timeout: 60_000 }, () => {
    let sessionUrl = '';
    before(async () => {
      await target.start();
      const created = await fetch(`${target.baseUrl()}/api/chat/sessions`, { method: 'POST' });
      const { id } = (await created.json()) as { id: string };
      sessionUrl = `${target.baseUrl()}/api/chat/sessions/${id}`;
    });
    after(() => target.stop());

    it('answers every 2 MB and 20 MB body, keep-alive or not, with content-length or chunked, with the 413 JSON error', async () => {
      const bodies = new Map([2, 20].map((size) => [size, messageBody(size * megabyte)]));
      // Every variant of each size, round after round: 36 of 2 MB and 16 of 20 MB (the large
      // ones cost the time).
      const rounds = new Map([
        [2, 9],
        [20, 4],
      ]);
      const attempts: Attempt[] = [];
      for (let round = 0; round < 9; round += 1) {
        for (const [size, sizeRounds] of rounds) {
          if (round >= sizeRounds) continue;
          for (const keepAlive of [true, false]) {
            for (const framing of ['content-length', 'chunked'] as const) {
              attempts.push({ size, keepAlive, framing });
            }
          }
        }
      }
      assert.ok(attempts.length >= 50);
      // Two clients at once, as browsers and proxies send: each reuses its keep-alive connection.
      const outcomes: string[] = [];
      const lane = async (mine: Attempt[]) => {
        for (const { size, keepAlive, framing } of mine) {
          const bytes = bodies.get(size) as Uint8Array<ArrayBuffer>;
          const body = framing === 'chunked' ? chunked(bytes) : bytes;
          const outcome = await post(`${sessionUrl}/stream`, body, keepAlive);
          outcomes.push(`${size} MB, keep-alive ${keepAlive}, ${framing}: ${outcome}`);
        }
      };
      await Promise.all([0, 1].map((first) => lane(attempts.filter((_, i) => i % 2 === first))));

      assert.equal(outcomes.length, attempts.length);
      const unanswered = outcomes.filter((outcome) => !outcome.endsWith(': 413 PAYLOAD_TOO_LARGE'));
      assert.deepEqual(unanswered, [], `${unanswered.length} of ${outcomes.length} went wrong`);
    });

    it('answers an endless body with the 413 JSON error and closes that connection', async () => {
      const response = await fetch(`${sessionUrl}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: endless(),
        duplex: 'half',
      } as RequestInit);
      assert.equal(response.status, 413);
      assert.equal(response.headers.get('connection'), 'close');
      const { error } = (await response.json()) as { error: { code: string } };
      assert.equal(error.code, 'PAYLOAD_TOO_LARGE');
    });

    it('stays healthy and quick: a normal request right after still answers at once', async () => {
      const started = performance.now();
      const session = await fetch(sessionUrl);
      assert.equal(session.status, 200);
      assert.deepEqual(((await session.json()) as { messages: unknown[] }).messages, []);
      assert.equal((await fetch(`${target.baseUrl()}/api/chat/ready`)).status, 200);
      const elapsed = performance.now() - started;
      // Nothing waits behind a body: no drain or closing connection delays the next client.
      assert.ok(elapsed < 2_000, `took ${Math.round(elapsed)} ms`);
    });
  });
}
