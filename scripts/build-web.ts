/**
 * Builds the web app into web/dist with Vite's JS API.
 *
 *   node scripts/build-web.ts           build only when a source is newer than the last build
 *   node scripts/build-web.ts --force   always build
 *
 * `npm install` (prepare) and `npm start` (prestart) run the first form, so a fresh clone gets a
 * build and an unchanged checkout starts without one. The last build records every source file
 * Vite bundled (web/, src/client, src/protocol, …) in web/dist/.build-inputs.json; the next run
 * compares their modification times with that record.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';
import viteConfig from '../web/vite.config.ts';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const webDirectory = join(repositoryRoot, 'web');
const outputDirectory = join(webDirectory, 'dist');
const recordPath = join(outputDirectory, '.build-inputs.json');

/** Inputs Vite does not report as bundled modules but that still change the build. */
const alwaysInputs = [
  'web/index.html',
  'web/vite.config.ts',
  'package-lock.json',
  'scripts/build-web.ts',
];

interface BuildRecord {
  /** When the build started (ms since the epoch): a file saved during a build is newer. */
  startedAt: number;
  inputs: string[];
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const reason = force ? 'forced' : await staleReason();
  if (reason === null) {
    process.stdout.write('web app: up to date (web/dist)\n');
    return;
  }
  process.stdout.write(`web app: building (${reason})…\n`);
  const startedAt = Date.now();
  const bundled = new Set<string>();
  await build({
    ...viteConfig,
    configFile: false,
    logLevel: 'warn',
    plugins: [...(viteConfig.plugins ?? []), recordBundledModules(bundled)],
  });
  const inputs = new Set(alwaysInputs);
  for (const path of [...bundled, ...(await filesUnder(join(webDirectory, 'public')))]) {
    inputs.add(relative(repositoryRoot, path));
  }
  const record: BuildRecord = { startedAt, inputs: [...inputs].sort() };
  await writeFile(recordPath, `${JSON.stringify(record, null, 2)}\n`);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  process.stdout.write(`web app: built web/dist in ${seconds} s\n`);
}

/** Why a build is needed, or null when web/dist is newer than everything it was built from. */
async function staleReason(): Promise<string | null> {
  let record: BuildRecord;
  try {
    record = JSON.parse(await readFile(recordPath, 'utf8')) as BuildRecord;
    await stat(join(outputDirectory, 'index.html'));
  } catch {
    return 'no previous build';
  }
  if (typeof record.startedAt !== 'number' || !Array.isArray(record.inputs)) {
    return 'unreadable build record';
  }
  // Files added to web/src or web/public count too, before anything imports them.
  const candidates = new Set(record.inputs.map((path) => join(repositoryRoot, path)));
  for (const folder of ['src', 'public']) {
    for (const path of await filesUnder(join(webDirectory, folder))) {
      if (!/\.test\.tsx?$/.test(path)) candidates.add(path);
    }
  }
  for (const path of candidates) {
    const modified = await stat(path).then(
      (info) => info.mtimeMs,
      () => Number.POSITIVE_INFINITY,
    );
    if (modified > record.startedAt) {
      return `${relative(repositoryRoot, path)} changed`;
    }
  }
  return null;
}

function recordBundledModules(into: Set<string>): Plugin {
  return {
    name: 'durable-chat:record-bundled-modules',
    apply: 'build',
    generateBundle(_options, bundle) {
      for (const output of Object.values(bundle)) {
        if (output.type !== 'chunk') continue;
        for (const id of output.moduleIds) {
          const path = id.split('?')[0] ?? id;
          // Dependencies change through package-lock.json; virtual modules have no file.
          if (isAbsolute(path) && !path.includes('/node_modules/')) into.add(path);
        }
      }
    },
  };
}

async function filesUnder(directory: string): Promise<string[]> {
  try {
    const entries = await readdir(directory, { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `web app: the build failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
