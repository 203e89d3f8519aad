import { startSweeper } from '../executor/sweeper.ts';
import { startTurnWorker } from '../executor/turn-worker.ts';
import type { Runtime } from './create-runtime.ts';
import { sweeperOptions } from './sweeper-options.ts';

export interface ExecutorServices {
  /** Stops taking turns, lets running ones finish up to SHUTDOWN_DEADLINE_MS, then closes them. */
  stop(): Promise<void>;
}

/** The turn worker and the sweeper, as the all-in-one and the executor process both run them. */
export async function startExecutorServices(runtime: Runtime): Promise<ExecutorServices> {
  const { config } = runtime;
  const worker = await startTurnWorker(runtime.executor, { concurrency: config.turnConcurrency });
  const sweeper = startSweeper(runtime.api, sweeperOptions(config, runtime.executor.executorId));
  return {
    async stop() {
      await sweeper.stop();
      await worker.stop(config.shutdownDeadlineMs);
    },
  };
}
