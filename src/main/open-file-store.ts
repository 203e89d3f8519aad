import { join } from 'node:path';
import type { Config } from '../config.ts';
import { DiskFileStore } from '../store/disk-file-store.ts';
import type { FileStore } from '../store/file-store.ts';
import { createPostgresSqlClient } from '../store/postgres-sql-client.ts';
import { SqlFileStore } from '../store/sql-file-store.ts';

/**
 * PostgreSQL when DATABASE_URL is set (every API process serves every file), else plain files
 * under DATA_DIR/files. A pool of its own, small: uploads are few next to chat writes, and a
 * slow upload never holds a connection the chat store needs.
 */
export async function openFileStore(
  config: Config,
): Promise<{ files: FileStore; description: string }> {
  if (config.databaseUrl) {
    const client = await createPostgresSqlClient({
      connectionString: config.databaseUrl,
      maxConnections: 4,
    });
    const url = new URL(config.databaseUrl);
    return {
      files: await SqlFileStore.open(client),
      description: `PostgreSQL at ${url.host}${url.pathname}`,
    };
  }
  const folder = join(config.dataDir, 'files');
  return { files: new DiskFileStore(folder), description: `files in ${folder}` };
}
