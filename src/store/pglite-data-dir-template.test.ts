import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const clientModule = new URL('./pglite-sql-client.ts', import.meta.url).href;

/**
 * Opens new databases in a process of its own whose temporary folder is `temporary`, and answers
 * each one's cluster identifier: initdb gives every cluster a new one, so databases that share it
 * were loaded from one dump.
 */
async function openNewDatabases(temporary: string, dataDirs: readonly (string | null)[]) {
  const script = `
    const { createPgliteSqlClient } = await import(${JSON.stringify(clientModule)});
    const identifiers = [];
    for (const dataDir of ${JSON.stringify(dataDirs)}) {
      const client = await createPgliteSqlClient(dataDir === null ? {} : { dataDir });
      const rows = await client.query('SELECT system_identifier::text AS id FROM pg_control_system()');
      await client.query('CREATE TABLE marker (id int)');
      identifiers.push(rows[0].id);
      await client.close();
    }
    process.stdout.write(JSON.stringify(identifiers));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { env: { ...process.env, TMPDIR: temporary } },
  );
  return JSON.parse(stdout) as string[];
}

async function templateFiles(temporary: string): Promise<string[]> {
  const folder = join(temporary, 'durable-chat');
  const names = await readdir(folder).catch(() => []);
  return names.map((name) => join(folder, name));
}

describe('new PGlite databases start from the dump of a fresh one', () => {
  let temporary = '';
  before(async () => {
    temporary = await mkdtemp(join(tmpdir(), 'durable-chat-template-'));
  });
  after(async () => {
    await rm(temporary, { recursive: true, force: true });
  });

  it('keeps the first fresh database as a dump that later databases and processes load, each with data of its own', async () => {
    const onDisk = join(temporary, 'database');
    const first = await openNewDatabases(temporary, [null, null]);
    const [template] = await templateFiles(temporary);
    assert.ok(template?.endsWith('.tar'), 'the dump is kept in the temporary folder');
    // A second process, in memory and in an empty folder, loads the same dump: no initdb.
    const second = await openNewDatabases(temporary, [null, onDisk]);
    assert.equal(new Set([...first, ...second]).size, 1, `one cluster identifier: ${first}`);
    // `CREATE TABLE marker` ran in each database: had one seen another's, it would have failed.
  });

  it('replaces a dump that does not load, and a database in memory still opens', async () => {
    const [template] = await templateFiles(temporary);
    assert.ok(template);
    await writeFile(template, 'not a tarball');
    const [identifier] = await openNewDatabases(temporary, [null]);
    assert.ok(identifier);
    assert.ok((await stat(template)).size > 1_000_000, 'a new dump replaced the broken one');
    assert.deepEqual(await openNewDatabases(temporary, [null]), [identifier]);
    assert.deepEqual(
      (await templateFiles(temporary)).filter((file) => file.endsWith('.partial')),
      [],
    );
  });
});
