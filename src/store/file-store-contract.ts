import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe } from 'node:test';
import type { FileStore, NewFile } from './file-store.ts';
import { storeTest, tick } from './store-contract-support.ts';

export interface FileStoreFixture {
  store: FileStore;
  /** Closes the store and removes whatever the fixture created; safe after `store.close()`. */
  cleanup: () => Promise<void>;
}

/**
 * The FileStore contract: every adapter runs this one suite. `createStore` is called once per
 * test and must return a store that sees no file of any other test.
 */
export function runFileStoreContract(
  adapterName: string,
  createStore: () => Promise<FileStoreFixture>,
): void {
  const fileTest = storeTest(createStore);

  describe(`FileStore contract: ${adapterName}`, () => {
    fileTest('reads back every byte and the description it was saved with', async (store) => {
      const content = Uint8Array.from({ length: 512 }, (_, index) => index % 256);
      const saved = await store.saveFile(newFile('alice', { content, filename: 'ä b.bin' }));
      assert.equal(saved.sizeBytes, 512);
      assert.equal(saved.filename, 'ä b.bin');
      assert.equal(saved.mediaType, 'text/plain');
      assert.equal(saved.userId, 'alice');
      const read = await store.readFile('alice', saved.id);
      assert.ok(read);
      assert.deepEqual(read.file, saved);
      assert.deepEqual(read.content, content);
      assert.deepEqual(await store.getFile('alice', saved.id), saved);
    });

    fileTest('keeps an empty file', async (store) => {
      const saved = await store.saveFile(newFile('alice', { content: new Uint8Array() }));
      assert.deepEqual((await store.readFile('alice', saved.id))?.content, new Uint8Array());
    });

    fileTest("answers another user's file exactly like a missing one", async (store) => {
      const saved = await store.saveFile(newFile('alice'));
      assert.equal(await store.getFile('bob', saved.id), null);
      assert.equal(await store.readFile('bob', saved.id), null);
      assert.deepEqual(await store.getFiles('bob', [saved.id]), []);
      assert.deepEqual(await store.listFiles({ userId: 'bob', limit: 10, offset: 0 }), {
        files: [],
        total: 0,
      });
      assert.equal(await store.deleteFile('bob', saved.id), false);
      assert.ok(await store.readFile('alice', saved.id), 'a refused delete removes nothing');
    });

    fileTest('finds nothing under ids that could never be one', async (store) => {
      await store.saveFile(newFile('alice'));
      for (const id of ['', '../alice', 'a/b', '.', 'x'.repeat(129)]) {
        assert.equal(await store.getFile('alice', id), null, id);
        assert.equal(await store.readFile('alice', id), null, id);
        assert.equal(await store.deleteFile('alice', id), false, id);
      }
    });

    fileTest('gives only the owned files among the ids asked for', async (store) => {
      const mine = await store.saveFile(newFile('alice'));
      const theirs = await store.saveFile(newFile('bob'));
      const found = await store.getFiles('alice', [mine.id, theirs.id, randomUUID(), '../x']);
      assert.deepEqual(found, [mine]);
      assert.deepEqual(await store.getFiles('alice', []), []);
    });

    fileTest(
      'lists a user’s files newest first, a page at a time, with the total',
      async (store) => {
        const saved = [];
        for (let index = 0; index < 5; index += 1) {
          saved.push(await store.saveFile(newFile('alice', { filename: `${index}.txt` })));
          await tick();
        }
        await store.saveFile(newFile('bob'));
        const newestFirst = saved.reverse();
        const first = await store.listFiles({ userId: 'alice', limit: 2, offset: 0 });
        assert.equal(first.total, 5);
        assert.deepEqual(first.files, newestFirst.slice(0, 2));
        const last = await store.listFiles({ userId: 'alice', limit: 2, offset: 4 });
        assert.deepEqual(last, { files: newestFirst.slice(4), total: 5 });
        assert.deepEqual(await store.listFiles({ userId: 'carol', limit: 2, offset: 0 }), {
          files: [],
          total: 0,
        });
      },
    );

    fileTest('deletes a file once: then it is gone everywhere', async (store) => {
      const saved = await store.saveFile(newFile('alice'));
      const kept = await store.saveFile(newFile('alice'));
      assert.equal(await store.deleteFile('alice', saved.id), true);
      assert.equal(await store.deleteFile('alice', saved.id), false);
      assert.equal(await store.getFile('alice', saved.id), null);
      assert.equal(await store.readFile('alice', saved.id), null);
      assert.deepEqual(await store.listFiles({ userId: 'alice', limit: 10, offset: 0 }), {
        files: [kept],
        total: 1,
      });
      assert.equal(await store.countFiles('alice'), 1);
    });

    fileTest('lets exactly one of two concurrent deletes succeed', async (store) => {
      const saved = await store.saveFile(newFile('alice'));
      const outcomes = await Promise.all([
        store.deleteFile('alice', saved.id),
        store.deleteFile('alice', saved.id),
      ]);
      assert.deepEqual(outcomes.sort(), [false, true]);
    });
  });
}

function newFile(userId: string, overrides: Partial<NewFile> = {}): NewFile {
  return {
    userId,
    filename: 'notes.txt',
    mediaType: 'text/plain',
    content: new TextEncoder().encode('hello'),
    ...overrides,
  };
}
