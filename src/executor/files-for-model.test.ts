import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FileUIPart, UIMessage } from 'ai';
import { DiskFileStore } from '../store/disk-file-store.ts';
import type { StoredFile } from '../store/file-store.ts';
import { type ModelFiles, withFilesForModel } from './files-for-model.ts';

describe('withFilesForModel', () => {
  let root: string;
  let store: DiskFileStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'durable-chat-files-for-model-'));
    store = new DiskFileStore(join(root, 'files'));
  });
  after(async () => {
    await store.close();
    await rm(root, { recursive: true, force: true });
  });

  const settings = (overrides: Partial<ModelFiles> = {}): ModelFiles => ({
    store,
    inlineBytes: 1024,
    acceptsImages: true,
    ...overrides,
  });
  const upload = (
    filename: string,
    mediaType: string,
    content: string | Uint8Array,
    userId = 'alice',
  ) =>
    store.saveFile({
      userId,
      filename,
      mediaType,
      content: typeof content === 'string' ? Buffer.from(content) : content,
    });
  const filePart = (file: StoredFile): FileUIPart => ({
    type: 'file',
    mediaType: file.mediaType,
    filename: file.filename,
    url: `/api/chat/files/${file.id}`,
  });
  const message = (...parts: UIMessage['parts']): UIMessage => ({ id: 'm', role: 'user', parts });
  const texts = (converted: UIMessage[]) =>
    converted[0]?.parts.map((part) => (part.type === 'text' ? part.text : part)) ?? [];

  it('shows text files inline, in place, and leaves messages without files as they are', async () => {
    const notes = await upload('notes.txt', 'text/plain', 'first line\nsecond line');
    const data = await upload('data.json', 'application/json', '{"a":1}');
    const plain = message({ type: 'text', text: 'hi' });
    const original = message(filePart(notes), filePart(data), { type: 'text', text: 'read them' });
    const converted = await withFilesForModel([original, plain], settings(), 'alice');
    assert.deepEqual(texts(converted), [
      `[Attached file "notes.txt" (text/plain, 22 bytes, file_id ${notes.id})]\nfirst line\nsecond line\n[End of file "notes.txt"]`,
      `[Attached file "data.json" (application/json, 7 bytes, file_id ${data.id})]\n{"a":1}\n[End of file "data.json"]`,
      'read them',
    ]);
    assert.equal(converted[1], plain);
    assert.equal(original.parts[0]?.type, 'file', 'the stored message is not changed');
  });

  it('shares the inline budget among the files of one message and cuts with a marker', async () => {
    const first = await upload('first.txt', 'text/plain', 'a'.repeat(6));
    const second = await upload('second.txt', 'text/plain', 'é'.repeat(4));
    const third = await upload('third.txt', 'text/plain', 'zzz');
    const fourth = await upload('fourth.txt', 'text/plain', 'yyy');
    const converted = await withFilesForModel(
      [message(filePart(first), filePart(second), filePart(third), filePart(fourth))],
      settings({ inlineBytes: 9 }),
      'alice',
    );
    const [shownFirst, shownSecond, shownThird, shownFourth] = texts(converted);
    assert.match(String(shownFirst), /\naaaaaa\n\[End of file/);
    // 3 bytes left: one two-byte character, never half of the next; the last byte goes on.
    assert.match(
      String(shownSecond),
      new RegExp(
        `\\né\\n\\[Truncated: the first 2 of 8 bytes are shown; read_workspace_file with file_id "${second.id}" and offset 2 reads on\\]\\n`,
      ),
    );
    assert.match(String(shownThird), /\)\]\nz\n\[Truncated: the first 1 of 3 bytes are shown;/);
    assert.match(String(shownFourth), /\)\]\n\[Truncated: the first 0 of 3 bytes are shown;/);
    const nextMessage = await withFilesForModel(
      [message(filePart(third))],
      settings({ inlineBytes: 9 }),
      'alice',
    );
    assert.match(
      String(texts(nextMessage)[0]),
      /\nzzz\n\[End of file/,
      'the budget is per message',
    );
  });

  it('gives images as data URLs to a model that takes them, and names them to one that does not', async () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47]);
    const picture = await upload('cat.png', 'image/png', png);
    const [seeing] = await withFilesForModel([message(filePart(picture))], settings(), 'alice');
    assert.deepEqual(seeing?.parts, [
      {
        type: 'file',
        mediaType: 'image/png',
        filename: 'cat.png',
        url: 'data:image/png;base64,iVBORw==',
      },
    ]);
    const blind = await withFilesForModel(
      [message(filePart(picture))],
      settings({ acceptsImages: false }),
      'alice',
    );
    assert.deepEqual(texts(blind), [
      `[Attached file "cat.png" (image/png, 4 bytes, file_id ${picture.id}): an image this model is not shown; read_workspace_file reads it]`,
    ]);
  });

  it('names other files with their id, for the tool', async () => {
    const pdf = await upload('doc.pdf', 'application/pdf', '%PDF-1.4');
    assert.deepEqual(
      texts(await withFilesForModel([message(filePart(pdf))], settings(), 'alice')),
      [
        `[Attached file "doc.pdf" (application/pdf, 8 bytes, file_id ${pdf.id}): not shown; read_workspace_file reads it]`,
      ],
    );
  });

  it('reads only the turn user’s files: another user’s, a deleted one and no user read as missing', async () => {
    const theirs = await upload('secret.txt', 'text/plain', 'top secret', 'mallory');
    const deleted = await upload('gone.txt', 'text/plain', 'bye');
    await store.deleteFile('alice', deleted.id);
    const missing = (name: string) => `[Attached file "${name}" (text/plain): no longer available]`;
    const converted = await withFilesForModel(
      [message(filePart(theirs), filePart(deleted))],
      settings(),
      'alice',
    );
    assert.deepEqual(texts(converted), [missing('secret.txt'), missing('gone.txt')]);
    const own = await upload('mine.txt', 'text/plain', 'mine');
    const withoutUser = await withFilesForModel([message(filePart(own))], settings(), null);
    assert.deepEqual(texts(withoutUser), [missing('mine.txt')]);
  });

  it('shows the files of a follow-up an earlier answer took, with a budget of its own', async () => {
    const notes = await upload('steered.txt', 'text/plain', 'steered text');
    const answer: UIMessage = {
      id: 'answer',
      role: 'assistant',
      parts: [
        { type: 'text', text: 'Step 1.' },
        {
          type: 'steering-message',
          id: 'follow-up',
          parts: [filePart(notes), { type: 'text', text: 'this too' }],
        },
      ],
    };
    const [converted] = await withFilesForModel([answer], settings({ inlineBytes: 7 }), 'alice');
    const steering = converted?.parts[1];
    assert.equal(steering?.type, 'steering-message');
    assert.match(
      steering.type === 'steering-message'
        ? String(steering.parts[0]?.type === 'text' && steering.parts[0].text)
        : '',
      /\nsteered\n\[Truncated: the first 7 of 12 bytes/,
    );
  });

  it('treats files sent inline as data URLs like uploads, without an id', async () => {
    const sentImage: FileUIPart = {
      type: 'file',
      mediaType: 'image/png',
      url: 'data:image/png;base64,iVBORw==',
    };
    const converted = await withFilesForModel(
      [
        message(
          {
            type: 'file',
            mediaType: 'text/plain',
            filename: 'n.txt',
            url: 'data:text/plain,hello%20there',
          },
          sentImage,
        ),
      ],
      settings(),
      'alice',
    );
    assert.deepEqual(texts(converted), [
      '[Attached file "n.txt" (text/plain, 11 bytes)]\nhello there\n[End of file "n.txt"]',
      sentImage,
    ]);
  });
});
