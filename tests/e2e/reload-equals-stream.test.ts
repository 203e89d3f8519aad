import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { openPostgresTestStore, type PostgresTestStore } from '../support/postgres-test-store.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { createSession, createTestTransport, TestChat } from '../support/test-chat.ts';

/** Each store adapter the product runs on: PGlite by default, PostgreSQL when scaled out. */
const adapters: { name: string; open: () => Promise<PostgresTestStore | null> }[] = [
  { name: 'PGlite', open: async () => null },
  { name: 'PostgreSQL', open: openPostgresTestStore },
];

for (const adapter of adapters) {
  describe(`what streamed is what reloads, on ${adapter.name}`, { timeout: 60_000 }, () => {
    let server: TestServer;
    let postgres: PostgresTestStore | null;
    before(async () => {
      postgres = await adapter.open();
      server = await startTestServer(
        { DEMO_TOKEN_DELAY_MS: '1', DEMO_ANSWER_WORDS: '12' },
        postgres ? { store: postgres.store } : {},
      );
    });
    after(async () => {
      await server.close();
      await postgres?.drop();
    });

    it('reads back every message exactly as the AI SDK client assembled it from the stream, key order included', async () => {
      const sessionId = await createSession(server.baseUrl);
      const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
      // Text, a calculator call (its output an object whose keys jsonb would re-sort), a
      // current_time call, and usage metadata on every answer.
      for (const text of [
        'Hello there, tell me something',
        'What is 12*(3+4)?',
        'What time is it in Europe/Lisbon?',
      ]) {
        await chat.sendMessage({ text });
        assert.equal(chat.error, undefined);
      }
      const assembled = chat.messages;
      const toolParts = assembled.flatMap((message) =>
        message.parts.filter((part) => part.type.startsWith('tool-')),
      );
      assert.deepEqual(
        toolParts.map((part) => [part.type, 'state' in part ? part.state : undefined]),
        [
          ['tool-calculator', 'output-available'],
          ['tool-current_time', 'output-available'],
        ],
      );
      assert.ok(
        assembled.filter((message) => message.role === 'assistant').every((m) => m.metadata),
        'every answer carries metadata',
      );

      const response = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}`);
      const { messages: reloaded } = (await response.json()) as { messages: UIMessage[] };
      assert.equal(reloaded.length, assembled.length);
      for (const [index, message] of assembled.entries()) {
        const persisted = reloaded[index];
        assert.equal(persisted?.id, message.id);
        for (const [partIndex, part] of message.parts.entries()) {
          assert.equal(
            JSON.stringify(persisted?.parts[partIndex]),
            JSON.stringify(part),
            `part ${partIndex} of message ${index}`,
          );
        }
        assert.equal(
          JSON.stringify(persisted?.metadata),
          JSON.stringify(message.metadata),
          `metadata of message ${index}`,
        );
        // The envelope's own key order differs by how the client made the message (a sent one
        // is {parts, id, role}, a streamed one {id, metadata, role, parts}); its content is what
        // a client renders, and that is compared as text above.
        assert.deepEqual(persisted, JSON.parse(JSON.stringify(message)), `message ${index}`);
      }
    });
  });
}
