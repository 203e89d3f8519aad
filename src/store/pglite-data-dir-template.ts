import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';

/**
 * Opens a NEW PGlite database (in memory, or in an empty `dataDir`) from a dump of a fresh one.
 *
 * A new PGlite database runs initdb in WASM first: about 2 s of CPU, two thirds of its start. Every
 * fresh database of one PGlite build is initialised alike, so the first one is dumped and later
 * ones load that dump instead. The dump is kept per process and in the system's temporary folder,
 * named after the PGlite build it came from, so a new process (each `npm start`, each test server)
 * skips initdb too, and an upgraded PGlite never loads an older build's files.
 */
export async function openNewPglite(dataDir: string | undefined): Promise<PGlite> {
  const loadDataDir = await storedTemplate();
  if (loadDataDir === undefined) return createAndKeepTemplate(dataDir);
  try {
    return await PGlite.create({ dataDir, loadDataDir });
  } catch (error) {
    // A template that does not load is dropped. A database in memory starts the slow way and
    // makes a new one; a folder may hold part of the dump, so that start fails (the next one
    // makes a new template).
    template = undefined;
    await rm(await templatePath(), { force: true });
    if (dataDir !== undefined) throw error;
    return createAndKeepTemplate(undefined);
  }
}

async function createAndKeepTemplate(dataDir: string | undefined): Promise<PGlite> {
  const database = await PGlite.create({ dataDir });
  await keepTemplate(await database.dumpDataDir('none'));
  return database;
}

let template: Blob | undefined;

async function storedTemplate(): Promise<Blob | undefined> {
  if (template !== undefined) return template;
  const stored = await readFile(await templatePath()).catch(() => undefined);
  if (stored === undefined || stored.length === 0) return undefined;
  template = new Blob([stored]);
  return template;
}

async function keepTemplate(dump: Blob): Promise<void> {
  template = dump;
  const path = await templatePath();
  // Written aside and renamed, so a process starting meanwhile never reads half a file; a folder
  // that cannot be written costs only the saving, never the start.
  const partial = `${path}.${randomUUID()}.partial`;
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
    await rename(partial, path);
  } catch {
    await rm(partial, { force: true }).catch(() => undefined);
  }
}

let path: Promise<string> | undefined;

/** Read and hashed once per process: the build cannot change while it runs. */
function templatePath(): Promise<string> {
  path ??= (async () => {
    // initdb's WASM decides what a fresh data directory holds: its hash names the build.
    const initdb = await readFile(
      fileURLToPath(new URL('initdb.wasm', import.meta.resolve('@electric-sql/pglite'))),
    );
    const build = createHash('sha256').update(initdb).digest('hex').slice(0, 16);
    return join(tmpdir(), 'durable-chat', `pglite-data-dir-${build}.tar`);
  })();
  return path;
}
