import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPgliteSqlClient } from '../../src/store/pglite-sql-client.ts';
import { SqlChatStore } from '../../src/store/sql-chat-store.ts';
import { startTestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor } from '../support/tokens.ts';
import { createApiClient } from './api-client.ts';

// A store other processes may share (as PostgreSQL is): what this API may remember of a session's
// owner depends on whether someone could still claim it.
const sharedStore = async () => SqlChatStore.open(await createPgliteSqlClient({}));

describe('which session owners an API process remembers', () => {
  it('with sign-in off, every session: nobody can claim an unowned one', async () => {
    const server = await startTestServer({}, { store: await sharedStore() });
    try {
      const id = await createApiClient(server).createSession();
      assert.deepEqual(server.runtime.api.sessionOwners.get(id), { id, userId: null });
    } finally {
      await server.close();
    }
  });

  it('with sign-in on, owned sessions only: an unowned one may be claimed in another process', async () => {
    const server = await startTestServer(
      { JWT_SECRET: testJwtSecret, ALLOW_ANONYMOUS: 'true' },
      { store: await sharedStore() },
    );
    try {
      const api = createApiClient(server);
      const unowned = await api.createSession();
      assert.equal(server.runtime.api.sessionOwners.get(unowned), undefined);
      const owned = await api.createSession(await tokenFor('alice'));
      assert.deepEqual(server.runtime.api.sessionOwners.get(owned), {
        id: owned,
        userId: 'alice',
      });
    } finally {
      await server.close();
    }
  });
});
