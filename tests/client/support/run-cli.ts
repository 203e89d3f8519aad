import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const bin = fileURLToPath(new URL('../../../bin/durable-chat.js', import.meta.url));

/** A CLI process and what it has printed so far. */
export interface CliRun {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Starts the CLI as its own process (through the bin shim), with `input` piped to stdin. */
export function startCli(
  args: string[],
  environment: Record<string, string>,
  input?: string,
): CliRun {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repositoryRoot,
    env: { ...process.env, ...environment },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  if (input !== undefined) child.stdin.end(input);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { process: child, stdout: () => stdout, stderr: () => stderr, exit };
}

/** Runs the CLI with `input` piped to stdin; resolves once it exits. */
export async function runCli(
  args: string[],
  environment: Record<string, string>,
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = startCli(args, environment, input);
  const code = await run.exit;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}
