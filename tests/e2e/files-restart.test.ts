import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { UIMessage } from 'ai';
import { exitOf, startAllInOne } from '../support/all-in-one-process.ts';
import { readSse } from '../support/read-sse.ts';
import { visitorCookieHeader, visitorKeyFor } from '../support/visitor-keys.ts';

describe('uploaded files (embedded) across a restart', () => {
  const folders: string[] = [];
  after(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('a file uploaded before the all-in-one process is killed downloads and attaches after the restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'durable-chat-files-'));
    folders.push(dataDir);
    const environment = { DATA_DIR: dataDir };
    const visitor = visitorCookieHeader(visitorKeyFor('files-restart'));
    const bytes = Uint8Array.from({ length: 2000 }, (_, index) => (index * 7) % 256);

    const first = await startAllInOne(environment);
    const form = new FormData();
    form.set('file', new File([bytes], 'scan.png', { type: 'image/png' }));
    const uploading = await fetch(`${first.baseUrl}/api/chat/files`, {
      method: 'POST',
      headers: visitor,
      body: form,
    });
    assert.equal(uploading.status, 201);
    const file = (await uploading.json()) as { id: string; url: string };
    first.child.kill('SIGKILL');
    await exitOf(first.child);

    const second = await startAllInOne(environment);
    try {
      const download = await fetch(`${second.baseUrl}${file.url}`, { headers: visitor });
      assert.equal(download.status, 200);
      assert.equal(download.headers.get('content-type'), 'image/png');
      assert.deepEqual(new Uint8Array(await download.arrayBuffer()), bytes);

      const { id: sessionId } = (await (
        await fetch(`${second.baseUrl}/api/chat/sessions`, { method: 'POST', headers: visitor })
      ).json()) as { id: string };
      const answered = await readSse(`${second.baseUrl}/api/chat/sessions/${sessionId}/stream`, {
        method: 'POST',
        headers: { ...visitor, 'content-type': 'application/json' },
        body: JSON.stringify({ message: 'What is this? [demo:words=3]', file_ids: [file.id] }),
      });
      assert.equal(answered.done, true);
      const detail = (await (
        await fetch(`${second.baseUrl}/api/chat/sessions/${sessionId}`, { headers: visitor })
      ).json()) as { messages: UIMessage[] };
      assert.deepEqual(detail.messages[0]?.parts, [
        { type: 'file', mediaType: 'image/png', filename: 'scan.png', url: file.url },
        { type: 'text', text: 'What is this? [demo:words=3]' },
      ]);
    } finally {
      second.child.kill('SIGTERM');
      await exitOf(second.child);
    }
  });
});
