import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { maxSubjectLength } from '../../src/api/authenticator.ts';
import type { ChatStore } from '../../src/store/chat-store.ts';
import { openPostgresTestStore } from '../support/postgres-test-store.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor } from '../support/tokens.ts';
import { createApiClient, expectError, expectJson } from './api-client.ts';

// PostgreSQL refuses a NUL in text: the subject reached its queries and came back as a 500.
const stores: Record<string, () => Promise<{ store?: ChatStore; drop(): Promise<void> }>> = {
  'PGlite store': async () => ({ drop: async () => undefined }),
  'PostgreSQL store': openPostgresTestStore,
};

for (const [name, open] of Object.entries(stores)) {
  describe(`signed tokens whose subject cannot name a user (${name})`, () => {
    let server: TestServer;
    let drop: () => Promise<void>;

    before(async () => {
      const opened = await open();
      drop = opened.drop;
      server = await startTestServer(
        { JWT_SECRET: testJwtSecret },
        opened.store ? { store: opened.store } : {},
      );
    });
    after(async () => {
      await server.close();
      await drop();
    });

    const hostileSubjects = {
      'a NUL': 'user\u0000admin',
      'a line feed': 'user\nadmin',
      'an escape': 'user\u001b[31m',
      'a C1 control': 'user\u0085',
      'more characters than the limit': 'u'.repeat(maxSubjectLength + 1),
    };

    for (const [what, subject] of Object.entries(hostileSubjects)) {
      it(`refuses a subject with ${what} with 401 on every session route`, async () => {
        const api = createApiClient(server);
        const token = await tokenFor(subject);
        const body = await expectError(
          await api.call('POST', '/api/chat/sessions', { token }),
          401,
          'UNAUTHENTICATED',
        );
        assert.match(body.error.message, /subject/);
        await expectError(
          await api.call('GET', '/api/chat/sessions', { token }),
          401,
          'UNAUTHENTICATED',
        );
        await expectError(
          await api.call('GET', '/api/chat/sessions/00000000-0000-4000-8000-000000000000', {
            token,
          }),
          401,
          'UNAUTHENTICATED',
        );
      });
    }

    it('accepts ordinary subjects up to the length limit, Unicode included', async () => {
      const api = createApiClient(server);
      for (const subject of ['auth0|5f7c8ec7c33c6c004bbafe82', 'Zoë 🙂', 'u'.repeat(255)]) {
        const token = await tokenFor(subject);
        const created = await expectJson<{ user_id: string }>(
          await api.call('POST', '/api/chat/sessions', { token }),
        );
        assert.equal(created.user_id, subject);
      }
    });
  });
}
