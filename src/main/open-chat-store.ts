import { join } from 'node:path';
import type { Config } from '../config.ts';
import type { ChatStore } from '../store/chat-store.ts';
import { openPgliteChatStore } from '../store/pglite-chat-store.ts';
import { createPostgresSqlClient } from '../store/postgres-sql-client.ts';
import { SqlChatStore } from '../store/sql-chat-store.ts';

/** PostgreSQL when DATABASE_URL is set, else PGlite on disk under DATA_DIR; migrated either way. */
export async function openChatStore(
  config: Config,
): Promise<{ store: ChatStore; description: string }> {
  if (config.databaseUrl) {
    const client = await createPostgresSqlClient({
      connectionString: config.databaseUrl,
      maxConnections: config.databasePoolSize,
    });
    const url = new URL(config.databaseUrl);
    return {
      store: await SqlChatStore.open(client),
      description: `PostgreSQL at ${url.host}${url.pathname}`,
    };
  }
  const dataDir = join(config.dataDir, 'pglite');
  return { store: await openPgliteChatStore({ dataDir }), description: `PGlite in ${dataDir}` };
}
