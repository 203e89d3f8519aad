import { parentPort, workerData } from 'node:worker_threads';
import { createPgliteSqlClient } from './pglite-sql-client.ts';
import {
  serializeError,
  type StoreCall,
  type StoreReply,
  type StoreStartup,
  type StoreThreadData,
} from './pglite-thread-messages.ts';
import { SqlChatStore } from './sql-chat-store.ts';

/**
 * The worker thread behind `openPgliteChatStore`: a `SqlChatStore` on PGlite, serving one call per
 * message. Calls run concurrently here exactly as they would on the main thread (PGlite's own lock
 * queues queries behind a running transaction), and each transaction runs start to end on this
 * thread, never waiting for the main thread between its statements.
 */
const port = parentPort;
if (port === null) throw new Error('pglite-store-thread.ts runs as a worker thread');
const { dataDir } = workerData as StoreThreadData;

const open = async () => SqlChatStore.open(await createPgliteSqlClient({ dataDir }));

open().then(
  (store) => {
    port.on('message', (call: StoreCall) => {
      const method = store[call.method] as (...args: unknown[]) => Promise<unknown>;
      const result: Promise<unknown> = method.apply(store, call.args);
      result.then(
        (value) => port.postMessage({ id: call.id, ok: true, value } satisfies StoreReply),
        (error: unknown) =>
          port.postMessage({
            id: call.id,
            ok: false,
            error: serializeError(error),
          } satisfies StoreReply),
      );
    });
    port.postMessage({ type: 'ready' } satisfies StoreStartup);
  },
  (error: unknown) => {
    port.postMessage({ type: 'failed', error: serializeError(error) } satisfies StoreStartup);
  },
);
