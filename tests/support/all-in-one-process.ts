import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { spawnNodeScript } from './spawn-node-script.ts';
import { unlimitedCallers } from './unlimited-callers.ts';

/** The `npm start` entry point. */
export const allInOneEntry = join(import.meta.dirname, '../../src/main/all-in-one.ts');

export interface AllInOneProcess {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
}

/** Runs the real `npm start` entry point as its own process and waits for the printed URL. */
export async function startAllInOne(environment: Record<string, string>): Promise<AllInOneProcess> {
  const { child, output } = spawnNodeScript(allInOneEntry, {
    PORT: '0',
    LOG_LEVEL: 'warn',
    DEMO_TOKEN_DELAY_MS: '1',
    ...unlimitedCallers,
    ...environment,
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${output()}`)), 30_000);
    const check = () => {
      const match = /running at (http:\/\/localhost:\d+)/.exec(output());
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output()}`)));
  });
  return { child, baseUrl, output };
}

/** The exit code of `child`, once it has exited. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
