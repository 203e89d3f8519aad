import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DiskFileStore } from '../../store/disk-file-store.ts';
import { createReadWorkspaceFileTool, type WorkspaceFileSlice } from './read-workspace-file.ts';

describe('read_workspace_file', () => {
  let root: string;
  let store: DiskFileStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'durable-chat-read-workspace-file-'));
    store = new DiskFileStore(join(root, 'files'));
  });
  after(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
  });

  const upload = (filename: string, mediaType: string, content: string, userId = 'alice') =>
    store.saveFile({ userId, filename, mediaType, content: Buffer.from(content) });
  async function read(
    userId: string | null,
    input: { file_id: string; offset?: number; length?: number },
  ): Promise<WorkspaceFileSlice> {
    const tool = createReadWorkspaceFileTool(store, userId);
    return (await tool.execute?.(input, {
      toolCallId: 'call',
      messages: [],
      context: {},
    })) as WorkspaceFileSlice;
  }

  it('reads a text file in slices that never split a character, to its end', async () => {
    const file = await upload('notes.txt', 'text/plain', 'abcé€z');
    const first = await read('alice', { file_id: file.id, length: 4 });
    assert.deepEqual(first, {
      file_id: file.id,
      filename: 'notes.txt',
      media_type: 'text/plain',
      size_bytes: 9,
      offset: 0,
      encoding: 'text',
      content: 'abc',
      next_offset: 3,
    });
    const second = await read('alice', { file_id: file.id, offset: 3, length: 5 });
    assert.deepEqual([second.content, second.next_offset], ['é€', 8]);
    const last = await read('alice', { file_id: file.id, offset: 8 });
    assert.deepEqual([last.content, last.next_offset], ['z', null]);
    const tiny = await read('alice', { file_id: file.id, offset: 5, length: 1 });
    assert.deepEqual(
      [tiny.content, tiny.next_offset],
      ['€', 8],
      'a slice takes at least one character',
    );
  });

  it('reads any other file as base64', async () => {
    const pdf = await upload('doc.pdf', 'application/pdf', '%PDF-1.4 body');
    const slice = await read('alice', { file_id: pdf.id, offset: 1, length: 7 });
    assert.deepEqual(
      [slice.encoding, Buffer.from(slice.content, 'base64').toString(), slice.next_offset],
      ['base64', 'PDF-1.4', 8],
    );
  });

  it('reads only its user’s files: another user’s id fails exactly like an unknown one', async () => {
    const theirs = await upload('secret.txt', 'text/plain', 'top secret', 'mallory');
    const failure = (userId: string | null, fileId: string) =>
      read(userId, { file_id: fileId }).then(
        () => 'read',
        (error: unknown) => (error as Error).message,
      );
    assert.equal(await failure('alice', theirs.id), `no file with id "${theirs.id}"`);
    assert.equal(await failure('alice', 'unknown-id'), 'no file with id "unknown-id"');
    assert.equal(await failure('alice', '../etc/passwd'), 'no file with id "../etc/passwd"');
    assert.equal(await failure(null, theirs.id), `no file with id "${theirs.id}"`);
    assert.equal((await read('mallory', { file_id: theirs.id })).content, 'top secret');
  });
});
