import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { exitOf, startAllInOne } from '../support/all-in-one-process.ts';
import { readSse } from '../support/read-sse.ts';
import { textOfMessage } from '../support/test-chat.ts';
import { waitFor } from '../support/wait-for.ts';

const internalKey = 'internal-key-for-restart-tests-0123456789';

interface SessionDetail {
  messages: UIMessage[];
  active_stream: unknown;
  operations: { id: string; status: string }[];
}

describe('long-running operations (embedded) across a restart', () => {
  const folders: string[] = [];
  after(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('an operation survives the all-in-one process being killed: after the restart its completion by webhook is answered', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'durable-chat-operations-'));
    folders.push(dataDir);
    const environment = {
      DATA_DIR: dataDir,
      // The demo service would complete after an hour; the test completes it after the restart.
      DEMO_OPERATION_DELAY_MS: '3600000',
      CHAT_INTERNAL_API_KEY: internalKey,
    };
    const first = await startAllInOne(environment);
    const { id: sessionId } = (await (
      await fetch(`${first.baseUrl}/api/chat/sessions`, { method: 'POST' })
    ).json()) as { id: string };
    const started = await readSse(`${first.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: '[demo:operation] survive a restart' }),
    });
    assert.equal(started.done, true);
    const getSession = async (base: string) =>
      (await (await fetch(`${base}/api/chat/sessions/${sessionId}`)).json()) as SessionDetail;
    const [operation] = (await getSession(first.baseUrl)).operations;
    assert.equal(operation?.status, 'running');
    first.child.kill('SIGKILL');
    await exitOf(first.child);

    const second = await startAllInOne(environment);
    try {
      assert.equal(
        (await getSession(second.baseUrl)).operations[0]?.status,
        'running',
        'neither the restart nor its recovery of unfinished turns ended the operation',
      );
      const completing = await fetch(
        `${second.baseUrl}/api/chat/operations/${operation.id}/complete`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': internalKey },
          body: JSON.stringify({ success: true, result: { pages: 7 } }),
        },
      );
      assert.equal(completing.status, 200);
      assert.equal(((await completing.json()) as { already_ended: boolean }).already_ended, false);
      await waitFor(
        async () => {
          const detail = await getSession(second.baseUrl);
          return detail.messages.length === 4 && detail.active_stream === null;
        },
        { message: 'the continuation answered', timeoutMs: 15_000 },
      );
      const detail = await getSession(second.baseUrl);
      assert.deepEqual(
        detail.messages.map((message) => message.role),
        ['user', 'assistant', 'system', 'assistant'],
      );
      assert.match(textOfMessage(detail.messages[3]), /has completed\. Its result: \{"pages":7\}/);
      assert.equal(detail.operations[0]?.status, 'completed');
    } finally {
      second.child.kill('SIGTERM');
      assert.equal(await exitOf(second.child), 0);
    }
  });
});
