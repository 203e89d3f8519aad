import { Worker } from 'node:worker_threads';
import type { ChatStore } from './chat-store.ts';
import {
  deserializeError,
  type StoreCall,
  type StoreMethod,
  type StoreReply,
  type StoreStartup,
  type StoreThreadData,
} from './pglite-thread-messages.ts';

export interface PgliteChatStoreOptions {
  /** A folder for the database files (created if missing); in memory when absent. */
  dataDir?: string;
}

/** Every method the thread serves; a method added to `ChatStore` fails to compile until listed. */
const storeMethods = {
  createSession: true,
  getSession: true,
  listSessions: true,
  renameSession: true,
  setTitleIfUnset: true,
  replaceTitle: true,
  deleteSession: true,
  assignUser: true,
  listMessages: true,
  listMessagePage: true,
  getContextSummary: true,
  saveContextSummary: true,
  startTurn: true,
  startReplacementTurn: true,
  startApprovalTurn: true,
  discardTurn: true,
  markTurnRunning: true,
  beginTurn: true,
  finishTurn: true,
  getTurn: true,
  failUnfinishedTurns: true,
  listUnfinishedTurns: true,
  listUnfinishedTurnsOfSession: true,
  addPendingMessage: true,
  listPendingMessages: true,
  listSessionsWithPendingMessages: true,
  countPendingMessages: true,
  countUnfinishedTurns: true,
  startOperation: true,
  markOperationRunning: true,
  endOperation: true,
  getOperation: true,
  listOperationsOfSession: true,
  listOverdueOperations: true,
  ping: true,
} satisfies Record<StoreMethod, true>;

/**
 * The embedded ChatStore: `SqlChatStore` on PGlite (on disk in `dataDir`, else in memory), run on
 * a worker thread. PGlite executes Postgres synchronously in WASM, so on the main thread each
 * statement would stall the event loop that streams chunks — and the timers that pace a model —
 * for its whole duration (a turn costs milliseconds of it). Each call is one message to the
 * thread and back; arguments and results are structured-cloned, the store's errors rebuilt.
 * Closing the store closes the database and ends the thread.
 */
export async function openPgliteChatStore(
  options: PgliteChatStoreOptions = {},
): Promise<ChatStore> {
  const workerData: StoreThreadData = { dataDir: options.dataDir };
  const worker = new Worker(new URL('./pglite-store-thread.ts', import.meta.url), { workerData });
  await waitUntilReady(worker).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  const pending = new Map<number, PromiseWithResolvers<unknown>>();
  let nextId = 1;
  let failure: Error | null = null;
  const fail = (error: Error) => {
    failure ??= error;
    for (const call of pending.values()) call.reject(failure);
    pending.clear();
  };
  worker.on('message', (reply: StoreReply) => {
    const call = pending.get(reply.id);
    if (call === undefined) return;
    pending.delete(reply.id);
    // An idle thread must not keep the process alive; a call in flight must.
    if (pending.size === 0) worker.unref();
    if (reply.ok) call.resolve(reply.value);
    else call.reject(deserializeError(reply.error));
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the PGlite store thread exited (code ${code})`)));
  worker.unref();

  const call = (method: StoreCall['method'], args: unknown[]): Promise<unknown> => {
    if (failure !== null) return Promise.reject(failure);
    const id = nextId;
    nextId += 1;
    const reply = Promise.withResolvers<unknown>();
    pending.set(id, reply);
    if (pending.size === 1) worker.ref();
    try {
      worker.postMessage({ id, method, args } satisfies StoreCall);
    } catch (error) {
      // Arguments that cannot be cloned never reach the thread.
      pending.delete(id);
      if (pending.size === 0) worker.unref();
      return Promise.reject(error);
    }
    return reply.promise;
  };
  const methods = Object.fromEntries(
    Object.keys(storeMethods).map((method) => [
      method,
      (...args: unknown[]) => call(method as StoreMethod, args),
    ]),
  ) as unknown as Omit<ChatStore, 'close'>;
  let closing: Promise<void> | undefined;
  return {
    ...methods,
    close() {
      closing ??= (async () => {
        try {
          if (failure === null) await call('close', []);
        } finally {
          failure ??= new Error('the PGlite store is closed');
          await worker.terminate();
        }
      })();
      return closing;
    },
  };
}

/** Resolves once the thread opened and migrated the database; rejects with why it could not. */
function waitUntilReady(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      worker.off('message', onStartup);
      worker.off('error', settle);
      worker.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onStartup = (startup: StoreStartup) =>
      settle(startup.type === 'ready' ? undefined : deserializeError(startup.error));
    const onExit = (code: number) =>
      settle(new Error(`the PGlite store thread exited (code ${code})`));
    worker.on('message', onStartup);
    worker.on('error', settle);
    worker.on('exit', onExit);
  });
}
