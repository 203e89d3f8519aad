import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskFileStore } from './disk-file-store.ts';
import { runFileStoreContract } from './file-store-contract.ts';

runFileStoreContract('disk', async () => {
  const root = await mkdtemp(join(tmpdir(), 'durable-chat-files-'));
  const store = new DiskFileStore(join(root, 'files'));
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});
