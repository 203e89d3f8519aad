import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DurableChatClient } from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenWithWrongSecret } from '../support/tokens.ts';
import { createApiClient, expectJson } from './api-client.ts';

describe('GET /api/chat/config/auth', { timeout: 30_000 }, () => {
  let anonymous: TestServer;
  let withAuth: TestServer;
  let withAuthAndAnonymous: TestServer;
  before(async () => {
    anonymous = await startTestServer();
    withAuth = await startTestServer({ JWT_SECRET: testJwtSecret });
    withAuthAndAnonymous = await startTestServer({
      JWT_SECRET: testJwtSecret,
      ALLOW_ANONYMOUS: 'true',
    });
  });
  after(async () => {
    await anonymous.close();
    await withAuth.close();
    await withAuthAndAnonymous.close();
  });

  it('says no token is needed in anonymous mode, where chatting without one is the rule', async () => {
    const response = await createApiClient(anonymous).call('GET', '/api/chat/config/auth');
    assert.deepEqual(await expectJson(response), {
      auth_required: false,
      anonymous_allowed: true,
    });
  });

  it('says a token is needed when JWT_SECRET is set, to callers without one', async () => {
    const response = await createApiClient(withAuth).call('GET', '/api/chat/config/auth');
    assert.deepEqual(await expectJson(response), {
      auth_required: true,
      anonymous_allowed: false,
    });
  });

  it('says chatting without a token is allowed when ALLOW_ANONYMOUS is on', async () => {
    const response = await createApiClient(withAuthAndAnonymous).call(
      'GET',
      '/api/chat/config/auth',
    );
    assert.deepEqual(await expectJson(response), {
      auth_required: true,
      anonymous_allowed: true,
    });
  });

  it('answers a caller whose token is not valid instead of refusing it', async () => {
    const token = await tokenWithWrongSecret('someone');
    const response = await createApiClient(withAuth).call('GET', '/api/chat/config/auth', {
      token,
    });
    assert.deepEqual(await expectJson(response), {
      auth_required: true,
      anonymous_allowed: false,
    });
  });

  it('is what the client SDK reads with authConfig()', async () => {
    assert.deepEqual(await new DurableChatClient({ baseUrl: anonymous.baseUrl }).authConfig(), {
      auth_required: false,
      anonymous_allowed: true,
    });
    assert.deepEqual(await new DurableChatClient({ baseUrl: withAuth.baseUrl }).authConfig(), {
      auth_required: true,
      anonymous_allowed: false,
    });
  });
});
