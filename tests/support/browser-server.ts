import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unlimitedCallers } from './unlimited-callers.ts';

const entry = join(import.meta.dirname, '../../src/main/all-in-one.ts');
const startTimeoutMs = 60_000;
const stopTimeoutMs = 5_000;

/** The real `npm start` process the browser talks to. */
export interface ProductProcess {
  /** `http://127.0.0.1:<port>`: the web app at `/`, the API under `/api/chat`. */
  baseUrl: string;
  /** Everything the process printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** Stops the process (SIGTERM, then SIGKILL) and deletes its data directory. */
  close(): Promise<void>;
}

/**
 * Starts `src/main/all-in-one.ts` — what `npm start` runs — as its own process on a free port with
 * a fresh data directory (`prepareDataDir` may fill it first), and waits for the URL it prints.
 * The environment defaults keep shutdown quick; callers tune the demo model
 * (`DEMO_TOKEN_DELAY_MS`, `DEMO_ANSWER_WORDS`) or turn auth on.
 */
export async function startProductProcess(
  environment: Record<string, string> = {},
  prepareDataDir?: (dataDir: string) => Promise<void>,
): Promise<ProductProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'durable-chat-browser-'));
  await prepareDataDir?.(dataDir).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  const child = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      SHUTDOWN_DEADLINE_MS: '500',
      CANCEL_FORCE_CLOSE_MS: '2000',
      ...unlimitedCallers,
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The test process may die without running its `after` hooks; the server must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let printed = '';
  child.stdout?.on('data', (data: Buffer) => {
    printed += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    printed += data.toString();
  });

  const close = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const port = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`the server printed no URL within ${startTimeoutMs} ms:\n${printed}`)),
        startTimeoutMs,
      );
      const check = () => {
        const match = /running at http:\/\/localhost:(\d+)/.exec(printed);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on('data', check);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (${code ?? signal}) before it listened:\n${printed}`));
      });
    });
    return { baseUrl: `http://127.0.0.1:${port}`, output: () => printed, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
  await exited;
  clearTimeout(timer);
}
