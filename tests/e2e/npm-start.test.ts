import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { settings } from '../../src/config.ts';
import { createPgliteSqlClient } from '../../src/store/pglite-sql-client.ts';
import { SqlChatStore } from '../../src/store/sql-chat-store.ts';
import { allInOneEntry, exitOf, startAllInOne } from '../support/all-in-one-process.ts';
import { readSse } from '../support/read-sse.ts';

describe('the scale-out processes', () => {
  for (const script of ['api.ts', 'executor.ts']) {
    it(`${script} refuses to start without the service URLs, naming each missing variable`, async () => {
      const environment: Record<string, string | undefined> = {
        ...process.env,
        REDIS_URL: 'redis://127.0.0.1:6379',
      };
      delete environment.DATABASE_URL;
      delete environment.AMQP_URL;
      const child = spawn(process.execPath, [join(import.meta.dirname, '../../src/main', script)], {
        env: environment,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let errors = '';
      child.stderr.on('data', (data: Buffer) => {
        errors += data.toString();
      });
      assert.equal(await exitOf(child), 1);
      assert.match(errors, /DATABASE_URL/);
      assert.match(errors, /AMQP_URL/);
      assert.doesNotMatch(errors, /REDIS_URL/);
    });
  }
});

describe('npm start (the all-in-one process)', () => {
  const folders: string[] = [];
  after(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('prints its URL and a curl example, answers a chat over SSE, keeps data on disk across restarts and stops cleanly on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'durable-chat-start-'));
    folders.push(dataDir);
    const first = await startAllInOne({ DATA_DIR: dataDir });
    assert.match(
      first.output(),
      /curl -N -X POST http:\/\/localhost:\d+\/api\/chat\/sessions\/\$SESSION\/stream/,
    );
    assert.match(first.output(), /anonymous mode/);
    assert.match(first.output(), /sees only its own chats/, 'the warning states the access rule');
    const creating = await fetch(`${first.baseUrl}/api/chat/sessions`, { method: 'POST' });
    // Longer than a load balancer's usual 60 s idle timeout, so the API never closes first.
    assert.equal(creating.headers.get('keep-alive'), 'timeout=65');
    const created = (await creating.json()) as { id: string };
    const answer = await readSse(`${first.baseUrl}/api/chat/sessions/${created.id}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Hello!' }),
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.done, true);
    first.child.kill('SIGTERM');
    assert.equal(await exitOf(first.child), 0);

    const second = await startAllInOne({ DATA_DIR: dataDir });
    const session = (await (
      await fetch(`${second.baseUrl}/api/chat/sessions/${created.id}`)
    ).json()) as {
      messages: { role: string }[];
      title: string;
    };
    assert.deepEqual(
      session.messages.map((message) => message.role),
      ['user', 'assistant'],
    );
    assert.equal(session.title, 'Hello!');
    second.child.kill('SIGTERM');
    assert.equal(await exitOf(second.child), 0);
  });

  it('after a crash mid-turn, the restarted process ends the orphaned turn as failed instead of leaving it running', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'durable-chat-crash-'));
    folders.push(dataDir);
    const first = await startAllInOne({ DATA_DIR: dataDir, DEMO_TOKEN_DELAY_MS: '5' });
    const created = (await (
      await fetch(`${first.baseUrl}/api/chat/sessions`, { method: 'POST' })
    ).json()) as {
      id: string;
    };
    let turnId = '';
    const controller = new AbortController();
    await readSse(`${first.baseUrl}/api/chat/sessions/${created.id}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'a long one [demo:words=5000]' }),
      signal: controller.signal,
      onEvent: (event, index) => {
        turnId = event.id?.split(':')[0] ?? turnId;
        if (index === 20) {
          first.child.kill('SIGKILL');
          controller.abort();
        }
      },
    });
    await exitOf(first.child);
    const second = await startAllInOne({ DATA_DIR: dataDir });
    const session = (await (
      await fetch(`${second.baseUrl}/api/chat/sessions/${created.id}`)
    ).json()) as {
      active_stream: unknown;
    };
    assert.equal(session.active_stream, null);
    second.child.kill('SIGTERM');
    assert.equal(await exitOf(second.child), 0);
    const store = await SqlChatStore.open(
      await createPgliteSqlClient({ dataDir: join(dataDir, 'pglite') }),
    );
    try {
      const turn = await store.getTurn(turnId);
      assert.equal(turn?.status, 'failed');
      assert.match(turn?.error ?? '', /interrupted/);
    } finally {
      await store.close();
    }
  });

  it('--help lists every environment variable with its default', async () => {
    const child = spawn(process.execPath, [allInOneEntry, '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => {
      output += data.toString();
    });
    assert.equal(await exitOf(child), 0);
    for (const [name, setting] of Object.entries(settings)) {
      assert.match(output, new RegExp(`\\b${name}\\b`));
      if (setting.default) assert.ok(output.includes(`default: ${setting.default}`), name);
    }
  });

  it('refuses to start on invalid configuration and names the variable', async () => {
    const child = spawn(process.execPath, [allInOneEntry], {
      env: { ...process.env, PORT: 'not-a-port', DATABASE_URL: 'nonsense' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (data: Buffer) => {
      errors += data.toString();
    });
    assert.equal(await exitOf(child), 1);
    assert.match(errors, /PORT/);
    assert.match(errors, /DATABASE_URL/);
  });
});
