import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { IdleSubscribersResult } from './idle-subscribers.ts';

const script = join(import.meta.dirname, 'idle-subscribers.ts');

/** Runs `idle-subscribers.ts` in a fresh process with `--expose-gc` (its heap is the measure). */
export function measureIdleSubscribers(
  redisUrl: string,
  counts: number[],
): Promise<IdleSubscribersResult[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', script, JSON.stringify({ redisUrl, counts })],
      { timeout: 300_000, killSignal: 'SIGKILL' },
      (error, output, errors) => {
        if (error) reject(new Error(`idle subscribers: ${error.message}\n${errors}`));
        else resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '') as IdleSubscribersResult[]);
      },
    );
  });
}
