import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { pino } from 'pino';
import { demoFatalErrorMessage } from '../../src/model/demo-response-plan.ts';
import { startTestServer } from '../support/start-test-server.ts';
import {
  createSession,
  createTestTransport,
  TestChat,
  textOfMessage,
} from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

describe('auth with a JWKS URL', () => {
  it('accepts RS256 tokens from the key set with the right issuer and audience, and refuses others', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
    const jwksServer = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    const server = await startTestServer({
      JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
      JWT_ISSUER: 'https://id.test',
      JWT_AUDIENCE: 'durable-chat',
    });
    const sign = (key: CryptoKey, claims: { iss: string; aud: string }) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'key-1' })
        .setSubject('carol')
        .setIssuer(claims.iss)
        .setAudience(claims.aud)
        .setExpirationTime('5m')
        .sign(key);
    const list = (token: string) =>
      server.app.request('/api/chat/sessions', { headers: { authorization: `Bearer ${token}` } });
    try {
      const good = await sign(privateKey, { iss: 'https://id.test', aud: 'durable-chat' });
      assert.equal((await list(good)).status, 200);
      const refused = [
        await sign(other.privateKey, { iss: 'https://id.test', aud: 'durable-chat' }),
        await sign(privateKey, { iss: 'https://evil.test', aud: 'durable-chat' }),
        await sign(privateKey, { iss: 'https://id.test', aud: 'someone-else' }),
      ];
      for (const token of refused) {
        const response = await list(token);
        assert.equal(response.status, 401);
        assert.equal(
          ((await response.json()) as { error: { code: string } }).error.code,
          'UNAUTHENTICATED',
        );
      }
    } finally {
      await server.close();
      await new Promise((resolve) => jwksServer.close(resolve));
    }
  });
});

describe('errors in a turn', () => {
  it('are shown to the user masked and logged in full for operators', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const server = await startTestServer({}, { logger: pino({ level: 'info' }, sink) });
    try {
      const chat = new TestChat({
        id: await createSession(server.baseUrl),
        transport: createTestTransport(server.baseUrl),
      });
      await chat.sendMessage({ text: 'please fail [demo:fatal]' });
      assert.equal(chat.status, 'error');
      assert.ok(!chat.error?.message.includes('sk-demo-secret'), chat.error?.message);
      await waitFor(() => lines.some((line) => line.includes('sk-demo-secret')), {
        message: 'the full error is logged',
      });
      assert.ok(demoFatalErrorMessage.includes('sk-demo-secret'));
    } finally {
      await server.close();
    }
  });
});

describe('Stop in useChat', () => {
  it('stop() then cancel leaves the chat ready with its partial text, and the stored answer continues it', async () => {
    const server = await startTestServer({ DEMO_TOKEN_DELAY_MS: '3' });
    try {
      const sessionId = await createSession(server.baseUrl);
      const chat = new TestChat({ id: sessionId, transport: createTestTransport(server.baseUrl) });
      const sending = chat.sendMessage({ text: 'go on and on [demo:words=3000]' });
      await waitFor(() => textOfMessage(chat.lastMessage).split(' ').length > 10);
      await chat.stop();
      await sending;
      const cancel = await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/cancel`, {
        method: 'POST',
      });
      assert.deepEqual(await cancel.json(), { cancelled: true });
      assert.equal(chat.status, 'ready');
      assert.equal(chat.error, undefined);
      const seen = textOfMessage(chat.lastMessage);
      const stored = await server.runtime.api.store.listMessages(sessionId);
      const storedText = textOfMessage(stored.at(-1));
      assert.equal(stored.at(-1)?.id, chat.lastMessage?.id);
      assert.ok(
        storedText.startsWith(seen),
        'the stored partial answer continues what the client saw',
      );
      assert.ok(storedText.split(' ').length < 3000, 'and stopped before the end');
      assert.equal(
        (await fetch(`${server.baseUrl}/api/chat/sessions/${sessionId}/stream`)).status,
        204,
      );
    } finally {
      await server.close();
    }
  });
});
