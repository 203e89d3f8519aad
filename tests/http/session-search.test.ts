import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DurableChatClient } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor } from '../support/tokens.ts';
import {
  type ApiClient,
  createApiClient,
  expectError,
  expectJson,
  type SessionSummary,
} from './api-client.ts';
import { readTurnStream } from './sse-events.ts';

interface SessionList {
  sessions: SessionSummary[];
  total: number;
}

describe('searching the session list', { timeout: 60_000 }, () => {
  let server: TestServer;
  let api: ApiClient;
  let userCount = 0;
  const freshUser = () => tokenFor(`search-user-${++userCount}`);

  before(async () => {
    server = await startTestServer({ JWT_SECRET: testJwtSecret, DEMO_TOKEN_DELAY_MS: '0' });
    api = createApiClient(server);
  });
  after(() => server.close());

  const list = async (token: string, query: string) =>
    expectJson<SessionList>(await api.call('GET', `/api/chat/sessions?${query}`, { token }));
  const titled = async (token: string, title: string) => {
    const id = await api.createSession(token);
    const renamed = await api.call('PATCH', `/api/chat/sessions/${id}/title`, {
      token,
      json: { title },
    });
    assert.equal(renamed.status, 200);
    return id;
  };

  it('finds a chat by title far beyond the first page, with the total of matches', async () => {
    const token = await freshUser();
    const wanted = await titled(token, 'Budget for the Lisbon trip');
    for (let index = 0; index < 40; index += 1) await titled(token, `chat number ${index}`);
    const firstPage = await list(token, 'limit=30');
    assert.equal(firstPage.total, 41);
    assert.ok(!firstPage.sessions.some((session) => session.id === wanted));

    const found = await list(token, `limit=30&search=${encodeURIComponent('lisbon TRIP')}`);
    assert.deepEqual(
      found.sessions.map((session) => [session.id, session.title]),
      [[wanted, 'Budget for the Lisbon trip']],
    );
    assert.equal(found.total, 1);
    const numbered = await list(token, 'limit=5&offset=5&search=number');
    assert.equal(numbered.total, 40);
    assert.equal(numbered.sessions.length, 5);
  });

  it('finds a chat by the words of its messages, the answer included', async () => {
    const token = await freshUser();
    const id = await api.createSession(token);
    await readTurnStream(
      await api.postMessage(id, 'a pancake recipe please [demo:words=3]', { token }),
    );
    await api.call('PATCH', `/api/chat/sessions/${id}/title`, {
      token,
      json: { title: 'Kitchen' },
    });
    await titled(token, 'Something else');
    const ids = async (search: string) =>
      (await list(token, `search=${encodeURIComponent(search)}`)).sessions.map(
        (session) => session.id,
      );
    assert.deepEqual(await ids('PANCAKE'), [id]);
    // Only the demo model's answer says this.
    assert.deepEqual(await ids('you said'), [id]);
  });

  it('takes % and _ as plain characters', async () => {
    const token = await freshUser();
    const percent = await titled(token, 'Save 20% on rent');
    await titled(token, 'Save 200 on rent');
    const found = await list(token, `search=${encodeURIComponent('20%')}`);
    assert.deepEqual(
      found.sessions.map((session) => session.id),
      [percent],
    );
    assert.equal((await list(token, 'search=_')).total, 0);
  });

  it("never finds another user's chats", async () => {
    const owner = await freshUser();
    const stranger = await freshUser();
    await titled(owner, 'secret plans');
    assert.deepEqual(await list(stranger, 'search=secret'), { sessions: [], total: 0 });
  });

  it('refuses a search longer than 200 characters with 422 VALIDATION_FAILED', async () => {
    const token = await freshUser();
    await expectError(
      await api.call('GET', `/api/chat/sessions?search=${'a'.repeat(201)}`, { token }),
      422,
      'VALIDATION_FAILED',
    );
  });

  it('is what the client SDK sends for listSessions({ search })', async () => {
    const token = await freshUser();
    const wanted = await titled(token, 'Notes on #hashtags & ampersands');
    await titled(token, 'Other notes');
    const client = new DurableChatClient({ baseUrl: server.baseUrl, token });
    const found = await client.listSessions({ limit: 10, search: '#hashtags & amp' });
    assert.deepEqual(
      found.sessions.map((session) => session.id),
      [wanted],
    );
    assert.equal((await client.listSessions({ search: '  ' })).total, 2);
  });
});
