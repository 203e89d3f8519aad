import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCatalog } from '../../src/api/api-error.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { waitFor } from '../support/wait-for.ts';
import { type ApiClient, createApiClient, expectJson } from './api-client.ts';
import { readTurnStream } from './sse-events.ts';

const iterations = 200;
const batchSize = 5;

/** mulberry32: a seeded generator, so a failing run can be replayed with FUZZ_SEED. */
function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
  const integer = (below: number) => Math.floor(next() * below);
  const pick = <T>(values: readonly T[]): T => values[integer(values.length)] as T;
  // No '[' anywhere: a random `[demo:words=99999]` would make a valid message take minutes.
  const alphabet = [
    'a',
    'Z',
    '0',
    ' ',
    '"',
    '\\',
    '\n',
    '\t',
    '{',
    '}',
    ':',
    ',',
    'é',
    '😀',
    '\u0000',
    '\ud800',
  ];
  const text = (maxLength: number) =>
    Array.from({ length: integer(maxLength + 1) }, () => pick(alphabet)).join('');
  const asciiText = (maxLength: number) =>
    Array.from({ length: integer(maxLength + 1) }, () => String.fromCharCode(32 + integer(95)))
      .join('')
      .replaceAll('[', '(');
  return { next, integer, pick, text, asciiText };
}

type Random = ReturnType<typeof createRandom>;

function randomValue(random: Random, depth = 0): unknown {
  const kind = random.integer(depth > 3 ? 5 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return random.next() < 0.5;
    case 2:
      return random.pick([0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 42]);
    case 3:
    case 4:
      return random.text(30);
    case 5:
      return Array.from({ length: random.integer(4) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.integer(4) }, () => [
          random.pick([
            'message',
            'messages',
            'id',
            'role',
            'parts',
            'type',
            'text',
            'x',
            '__proto__',
          ]),
          randomValue(random, depth + 1),
        ]),
      );
  }
}

function plausibleBody(random: Random, sessionId: string): Record<string, unknown> {
  const seed: Record<string, unknown> = {
    message: random.text(40),
    is_user_message: true,
    context: { url: 'https://example.com', content: random.text(20) },
    // Mostly none: an id nobody uploaded is refused (422 UNKNOWN_FILE_IDS), and enough bodies
    // must pass to show accepted messages stream.
    file_ids: random.pick([[], [], [], ['f1']]),
    message_id: `fuzz-${random.integer(1_000_000)}`,
  };
  const transport: Record<string, unknown> = {
    id: sessionId,
    messages: [
      {
        id: `fuzz-${random.integer(1_000_000)}`,
        role: random.pick(['user', 'user', 'assistant', 'system', 'tool']),
        parts: [
          { type: random.pick(['text', 'text', 'file', 'reasoning', '']), text: random.text(40) },
        ],
      },
    ],
    trigger: random.pick(['submit-message', 'regenerate-message', 'nope']),
    messageId: random.pick([undefined, null, 'm', 7]),
  };
  const body = random.next() < 0.5 ? seed : transport;
  for (let mutation = random.integer(4); mutation > 0; mutation -= 1) {
    const keys = Object.keys(body);
    const key = random.pick(keys);
    if (random.next() < 0.3) delete body[key];
    else body[key] = randomValue(random);
  }
  return body;
}

function randomRequestBody(random: Random, sessionId: string): BodyInit | undefined {
  switch (random.integer(7)) {
    case 0:
      return undefined;
    case 1:
      return Uint8Array.from({ length: random.integer(2000) }, () => random.integer(256));
    case 2: {
      const json = JSON.stringify(plausibleBody(random, sessionId));
      return json.slice(0, random.integer(json.length + 1));
    }
    case 3: {
      const depth = 1 + random.integer(5000);
      return `${'['.repeat(depth)}${']'.repeat(depth)}`;
    }
    case 4:
      return JSON.stringify(randomValue(random));
    default:
      return JSON.stringify(plausibleBody(random, sessionId));
  }
}

function randomHeaders(random: Random): Record<string, string> {
  const headers: Record<string, string> = {};
  const contentType = random.pick([
    undefined,
    'application/json',
    'application/json; charset=utf-8',
    'application/vnd.api+json',
    'APPLICATION/JSON',
    'text/plain',
    'multipart/form-data',
    'application/json\t',
  ]);
  if (contentType !== undefined) headers['content-type'] = contentType;
  if (random.next() < 0.2)
    headers['content-length'] = random.pick(['0', '-1', 'abc', '99999999999', '3']);
  if (random.next() < 0.2) headers['last-event-id'] = random.asciiText(20);
  if (random.next() < 0.2) headers.authorization = `Bearer ${random.asciiText(40)}`;
  if (random.next() < 0.1) headers['content-encoding'] = 'gzip';
  if (random.next() < 0.1) headers[`x-${random.integer(1000)}`] = random.asciiText(200);
  return headers;
}

describe('hostile input at POST /api/chat/sessions/:id/stream', { timeout: 45_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  before(async () => {
    server = await startTestServer({ DEMO_ANSWER_WORDS: '5', DEMO_TOKEN_DELAY_MS: '1' });
    api = createApiClient(server);
  });
  after(() => server.close());

  it(`answers ${iterations} random bodies and headers with a 4xx JSON error or a valid stream, never a 5xx`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const random = createRandom(seed);
    const sessionId = await api.createSession();
    const statuses = new Map<number, number>();
    for (let start = 0; start < iterations; start += batchSize) {
      const requests = Array.from({ length: batchSize }, (_, offset) => {
        const body = randomRequestBody(random, sessionId);
        const headers = randomHeaders(random);
        const context = `FUZZ_SEED=${seed} case ${start + offset}: ${JSON.stringify(headers)} ${String(body).slice(0, 300)}`;
        return {
          context,
          response: api.call('POST', `/api/chat/sessions/${sessionId}/stream`, {
            headers,
            ...(body === undefined ? {} : { body }),
          }),
        };
      });
      await Promise.all(
        requests.map(async ({ context, response: pending }) => {
          const response = await pending;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (response.status === 200) {
            await readTurnStream(response);
            return;
          }
          const text = await response.text();
          assert.ok(
            response.status >= 400 && response.status < 500,
            `${response.status} ${text} — ${context}`,
          );
          const body = JSON.parse(text) as {
            error: { code: keyof typeof errorCatalog; message: string };
          };
          assert.equal(
            errorCatalog[body.error.code]?.status,
            response.status,
            `${text} — ${context}`,
          );
          assert.equal(typeof body.error.message, 'string');
        }),
      );
    }
    assert.ok(
      (statuses.get(422) ?? 0) > 0,
      `no validation failures in ${JSON.stringify([...statuses])}`,
    );
    assert.ok(
      (statuses.get(200) ?? 0) > 0,
      `no accepted message in ${JSON.stringify([...statuses])}`,
    );

    const health = await expectJson<{ status: string }>(await api.call('GET', '/health'));
    assert.equal(health.status, 'healthy');
    // Messages that arrived while another ran were answered after it, by turns of their own:
    // they end too, and nothing waits once they have.
    await waitFor(
      async () => (await server.runtime.api.registry.getActiveTurn(sessionId)) === null,
      {
        timeoutMs: 30_000,
        message: 'every follow-up turn ended',
      },
    );
    assert.deepEqual(await server.runtime.api.store.listPendingMessages(sessionId), []);
    await readTurnStream(
      await api.postMessage(sessionId, 'still fine after all that [demo:words=3]'),
    );
  });
});
