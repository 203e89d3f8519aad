import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = join(import.meta.dirname, '../..');
const builtIndex = join(root, 'web/dist/index.html');
const buildScript = join(root, 'scripts/build-web.ts');
// One lock per checkout, so two clones on one machine do not wait for each other.
const lockFolder = join(
  tmpdir(),
  `durable-chat-web-build-${createHash('sha256').update(root).digest('hex').slice(0, 16)}.lock`,
);
const lockTimeoutMs = 180_000;

let fresh: Promise<void> | undefined;

/**
 * Makes sure `web/dist` was built from the current sources, so the browser tests never run
 * against a stale app: runs `scripts/build-web.ts`, which builds only when a source is newer than
 * the last build. Test files run in parallel processes and a build empties `web/dist` first, so
 * the build runs under a lock folder shared by those processes.
 */
export function ensureFreshWebBuild(): Promise<void> {
  fresh ??= buildUnderLock();
  return fresh;
}

async function buildUnderLock(): Promise<void> {
  await acquireLock();
  try {
    await runBuild();
  } finally {
    await rmdir(lockFolder).catch(() => undefined);
  }
}

async function acquireLock(): Promise<void> {
  const deadline = Date.now() + lockTimeoutMs;
  for (;;) {
    try {
      await mkdir(lockFolder);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    const age = await stat(lockFolder).then(
      (info) => Date.now() - info.mtimeMs,
      () => 0,
    );
    // A lock older than any build is left over from a killed run.
    if (age > lockTimeoutMs) await rmdir(lockFolder).catch(() => undefined);
    if (Date.now() > deadline)
      throw new Error(`the web build lock ${lockFolder} was never released`);
    await sleep(200);
  }
}

async function runBuild(): Promise<void> {
  if (!existsSync(buildScript)) {
    throw new Error(`the web app cannot be built: ${buildScript} is missing`);
  }
  const child = spawn(process.execPath, [buildScript], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => {
    output += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    output += data.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the web build failed (exit ${code}):\n${output}`);
  if (!existsSync(builtIndex)) throw new Error(`the web build wrote no ${builtIndex}:\n${output}`);
}
