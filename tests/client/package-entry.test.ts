import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import * as source from '../../src/client/index.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const clientDirectory = join(repositoryRoot, 'src/client');

interface ImportStatement {
  file: string;
  specifier: string;
  typeOnly: boolean;
}

/** Every import and re-export of a TypeScript file, with whether it is erased at runtime. */
async function importsOf(file: string): Promise<ImportStatement[]> {
  const text = await readFile(file, 'utf8');
  const statements = text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms);
  return [...statements].map((match) => ({
    file,
    specifier: match[2]!,
    typeOnly: match[1] !== undefined,
  }));
}

async function typeScriptFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the client package: dependency direction and the built entry point', () => {
  it('src/client imports only src/client, src/protocol and a few packages; nothing from node: outside the CLI', async () => {
    const allowedPackages = new Set(['ai', '@ai-sdk/provider-utils', 'zod']);
    const pending = await typeScriptFiles(clientDirectory);
    const seen = new Set<string>();
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const inCli = relative(clientDirectory, file).startsWith('cli');
      for (const { specifier, typeOnly } of await importsOf(file)) {
        const where = `${relative(repositoryRoot, file)} imports ${specifier}`;
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          const area = relative(join(repositoryRoot, 'src'), target).split('/')[0];
          assert.ok(area === 'client' || area === 'protocol', where);
          if (!typeOnly) pending.push(target);
        } else if (specifier.startsWith('node:')) {
          assert.ok(inCli, `${where}: the SDK must stay browser-safe`);
        } else {
          assert.ok(allowedPackages.has(specifier), where);
          if (specifier === 'zod') assert.ok(typeOnly, `${where}: zod only for types`);
        }
      }
    }
    assert.ok(seen.has(join(repositoryRoot, 'src/protocol/event-id.ts')));
    assert.ok(
      !seen.has(join(repositoryRoot, 'src/protocol/http-schemas.ts')),
      'schemas are types only',
    );
  });

  describe('built with build:client (what consumers import, without type stripping)', () => {
    const outDirectory = join(repositoryRoot, 'node_modules/.cache/durable-chat-client-test');
    let server: TestServer;
    before(async () => {
      await rm(outDirectory, { recursive: true, force: true });
      await promisify(execFile)(
        process.execPath,
        [
          join(repositoryRoot, 'node_modules/typescript/bin/tsc'),
          '-p',
          'tsconfig.client.json',
          '--outDir',
          outDirectory,
        ],
        { cwd: repositoryRoot },
      );
      server = await startTestServer();
    });
    after(async () => {
      await server.close();
      await rm(outDirectory, { recursive: true, force: true });
    });

    it('emits JavaScript and declarations where package.json exports point', async () => {
      const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as {
        exports: Record<string, { types: string; default: string } | string>;
        bin: Record<string, string>;
      };
      const entry = manifest.exports['./client'];
      assert.ok(typeof entry === 'object');
      for (const path of [entry.types, entry.default]) {
        assert.match(path, /^\.\/dist\//);
        assert.ok(existsSync(join(outDirectory, path.slice('./dist/'.length))), path);
      }
      assert.ok(
        existsSync(join(outDirectory, 'client/cli/durable-chat-cli.js')),
        'the CLI for installs',
      );
      assert.ok(existsSync(join(repositoryRoot, manifest.bin['durable-chat']!)));
      const compiled = await readFile(join(outDirectory, 'client/durable-chat-client.js'), 'utf8');
      assert.doesNotMatch(compiled, /from '\.[^']*\.ts'/, 'relative imports rewritten to .js');
    });

    it('the compiled SDK exports the same names and talks to a real server', async () => {
      const compiled = (await import(join(outDirectory, 'client/index.js'))) as typeof source;
      assert.deepEqual(Object.keys(compiled).sort(), Object.keys(source).sort());
      const client = new compiled.DurableChatClient({ baseUrl: server.baseUrl });
      const { id } = await client.createSession();
      const stream = await client.sendMessage(id, 'compiled');
      let text = '';
      for await (const { chunk } of stream) if (chunk.type === 'text-delta') text += chunk.delta;
      assert.match(text, /compiled/);
      await assert.rejects(client.getSession('missing'), (error: unknown) => {
        assert.ok(error instanceof compiled.DurableChatApiError);
        assert.equal(error.code, 'SESSION_NOT_FOUND');
        return true;
      });
    });
  });
});
