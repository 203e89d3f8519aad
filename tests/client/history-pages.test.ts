import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DurableChatApiError, DurableChatClient } from '../../src/client/index.ts';
import * as schemas from '../../src/protocol/http-schemas.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';

describe('DurableChatClient: a long history page by page', () => {
  let server: TestServer;
  let client: DurableChatClient;
  let sessionId: string;

  before(async () => {
    server = await startTestServer();
    client = new DurableChatClient({ baseUrl: server.baseUrl });
    sessionId = (await client.createSession()).id;
    for (const text of ['one [demo:words=2]', 'two [demo:words=2]', 'three [demo:words=2]']) {
      for await (const event of await client.sendMessage(sessionId, text)) void event;
    }
  });
  after(() => server.close());

  it('reads one page with limit and the one before it with beforeSequence', async () => {
    const whole = await client.getSession(sessionId);
    schemas.sessionDetailSchema.parse(whole);
    assert.equal(whole.messages.length, 6);
    const newest = await client.getSession(sessionId, { limit: 4 });
    schemas.sessionDetailSchema.parse(newest);
    assert.deepEqual(newest.messages, whole.messages.slice(2));
    assert.equal(newest.has_more_messages, true);
    assert.ok(newest.oldest_sequence !== null);
    const older = await client.getSession(sessionId, {
      limit: 4,
      beforeSequence: newest.oldest_sequence,
    });
    assert.deepEqual(older.messages, whole.messages.slice(0, 2));
    assert.equal(older.has_more_messages, false);
    assert.ok(newest.total_prompt_tokens > 0 && newest.total_completion_tokens > 0);
  });

  it('readHistory yields every page from the newest back to the first message', async () => {
    const whole = await client.getSession(sessionId);
    const pages = [];
    for await (const page of client.readHistory(sessionId, { pageSize: 4 })) pages.push(page);
    assert.deepEqual(
      pages.map((page) => page.messages),
      [whole.messages.slice(2), whole.messages.slice(0, 2)],
    );
    const single = [];
    for await (const page of client.readHistory(sessionId)) single.push(page);
    assert.deepEqual(
      single.map((page) => page.messages),
      [whole.messages],
    );
  });

  it('rejects a page size the server refuses with VALIDATION_FAILED', async () => {
    await assert.rejects(client.getSession(sessionId, { limit: 500 }), (error: unknown) => {
      assert.ok(error instanceof DurableChatApiError);
      assert.equal(error.status, 422);
      assert.equal(error.code, 'VALIDATION_FAILED');
      return true;
    });
  });
});
