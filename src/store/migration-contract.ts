import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { migrate, readMigrations } from './migrate.ts';
import { SqlChatStore } from './sql-chat-store.ts';
import type { SqlClient } from './sql-client.ts';
import { turnInput } from './store-contract-support.ts';

/**
 * Data written under an older schema still reads after the migrations that followed it, on every
 * `SqlClient` adapter. `createClient` returns a client on an empty, private schema or database.
 */
export function runMigrationContract(
  adapterName: string,
  createClient: () => Promise<{ client: SqlClient; cleanup: () => Promise<void> }>,
): void {
  describe(`migrations: ${adapterName}`, () => {
    it('reads messages stored as jsonb before 0002, and keeps the key order of later ones', async () => {
      const { client, cleanup } = await createClient();
      try {
        const migrations = await readMigrations();
        await migrate(
          client,
          migrations.filter((migration) => migration.name < '0002'),
        );
        const sessionId = randomUUID();
        await client.query('INSERT INTO sessions (id, user_id) VALUES ($1, $2)', [
          sessionId,
          'alice',
        ]);
        const earlier: UIMessage[] = [
          { id: randomUUID(), role: 'user', parts: [{ type: 'text', text: 'What is 2 * 42?' }] },
          {
            id: randomUUID(),
            role: 'assistant',
            metadata: { usage: { outputTokens: 7, inputTokens: 12 } },
            parts: [
              {
                type: 'tool-calculator',
                toolCallId: 'call-1',
                state: 'output-available',
                input: { expression: '2 * 42' },
                output: { expression: '2 * 42', result: 84 },
              },
            ],
          },
        ];
        for (const [index, message] of earlier.entries()) {
          await client.query(
            `INSERT INTO messages (id, session_id, sequence, role, parts, metadata)
             VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
            [
              message.id,
              sessionId,
              index + 1,
              message.role,
              JSON.stringify(message.parts),
              message.metadata === undefined ? null : JSON.stringify(message.metadata),
            ],
          );
        }

        const store = await SqlChatStore.open(client);
        // The same values; their keys in the order jsonb left them, which no migration can undo.
        assert.deepEqual(await store.listMessages(sessionId), earlier);

        const later: UIMessage = {
          id: randomUUID(),
          role: 'user',
          metadata: { zone: 'UTC', at: 1 },
          parts: [{ type: 'text', text: 'and 3 * 14?' }],
        };
        await store.startTurn(turnInput(sessionId, later));
        const stored = (await store.listMessages(sessionId)).at(-1);
        assert.equal(JSON.stringify(stored?.parts), JSON.stringify(later.parts));
        assert.equal(JSON.stringify(stored?.metadata), JSON.stringify(later.metadata));
      } finally {
        await cleanup();
      }
    });

    it('keeps turns stored before 0004 and scopes their message ids to their session', async () => {
      const { client, cleanup } = await createClient();
      try {
        const migrations = await readMigrations();
        await migrate(
          client,
          migrations.filter((migration) => migration.name < '0004'),
        );
        const sessionId = randomUUID();
        const question: UIMessage = { id: randomUUID(), role: 'user', parts: [text('hi')] };
        const answer: UIMessage = { id: randomUUID(), role: 'assistant', parts: [text('hello')] };
        const turnId = randomUUID();
        await client.query('INSERT INTO sessions (id, user_id) VALUES ($1, $2)', [
          sessionId,
          'alice',
        ]);
        for (const [index, message] of [question, answer].entries()) {
          await client.query(
            `INSERT INTO messages (id, session_id, sequence, role, parts)
             VALUES ($1, $2, $3, $4, $5::json)`,
            [message.id, sessionId, index + 1, message.role, JSON.stringify(message.parts)],
          );
        }
        await client.query(
          `INSERT INTO turns (id, session_id, user_message_id, assistant_message_id, status)
           VALUES ($1, $2, $3, $4, 'completed')`,
          [turnId, sessionId, question.id, answer.id],
        );

        const store = await SqlChatStore.open(client);
        assert.deepEqual(await store.listMessages(sessionId), [question, answer]);
        const retried = await store.startTurn(turnInput(sessionId, question));
        assert.equal(retried.created, false);
        assert.equal(retried.turn.id, turnId);
        const other = await store.createSession({ userId: 'mallory' });
        const elsewhere = await store.startTurn(turnInput(other.id, question));
        assert.equal(elsewhere.created, true);
        const regenerated = await store.startReplacementTurn({
          sessionId,
          target: { type: 'regenerate', messageId: answer.id },
          turnId: randomUUID(),
          assistantMessageId: randomUUID(),
        });
        assert.equal(regenerated.turn.replacedMessageId, answer.id);
        assert.equal(await store.deleteSession(other.id), true);
        assert.deepEqual(await store.listMessages(sessionId), [question]);
        assert.equal((await store.getTurn(turnId))?.status, 'completed');
      } finally {
        await cleanup();
      }
    });
  });
}

function text(value: string): UIMessage['parts'][number] {
  return { type: 'text', text: value };
}
