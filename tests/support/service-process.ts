import { type ChildProcess, spawn } from 'node:child_process';

/** A server process the runner started; `stop` ends it (and only it). */
export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  port: number;
  /** The last output lines, for error messages. */
  recentOutput(): string;
  stop(): Promise<void>;
}

const keptOutputChars = 20_000;

/**
 * Spawns `command args` and resolves once a line of its output yields a port through
 * `readPort` (within `startTimeoutMs`); rejects, killing the process, otherwise.
 */
export async function startServiceProcess(options: {
  name: string;
  command: string;
  args: string[];
  environment: Record<string, string>;
  readPort: (line: string) => number | null;
  startTimeoutMs?: number;
}): Promise<ServiceProcess> {
  const child = spawn(options.command, options.args, {
    env: { ...process.env, ...options.environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let resolvePort: (port: number) => void = () => {};
  const portFound = new Promise<number>((resolve) => (resolvePort = resolve));
  let partialLine = '';
  const take = (data: Buffer) => {
    const text = data.toString('utf8');
    output = (output + text).slice(-keptOutputChars);
    const lines = (partialLine + text).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) {
      const port = options.readPort(line);
      if (port !== null) resolvePort(port);
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service: ServiceProcess = {
    name: options.name,
    child,
    port: 0,
    recentOutput: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    service.port = await Promise.race([
      portFound,
      exited.then(() => {
        throw new Error(`${options.name} exited during start-up:\n${output}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`${options.name} did not start within ${timeoutMs} ms:\n${output}`)),
          timeoutMs,
        );
      }),
    ]);
  } catch (error) {
    await service.stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return service;
}

/** The `port` of a pino JSON line whose `msg` is `message`, else null. */
export function portFromLogLine(message: string): (line: string) => number | null {
  return (line) => {
    if (!line.startsWith('{') || !line.includes(message)) return null;
    const parsed = JSON.parse(line) as { msg?: string; port?: number };
    return parsed.msg === message && typeof parsed.port === 'number' ? parsed.port : null;
  };
}
