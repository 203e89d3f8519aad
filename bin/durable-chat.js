#!/usr/bin/env node
/* global process, URL */
// The `durable-chat` command. In a checkout it runs the TypeScript source, which needs a Node
// that strips types (>= 23.6; `npx` puts the project's Node 24 first on PATH). Installed as a
// dependency it runs the compiled `dist/` (Node never strips types inside node_modules). On an
// older Node in a checkout, it hands over to the project's own Node 24 (the `node` package).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const sourceUrl = new URL('../src/client/cli/durable-chat-cli.ts', import.meta.url);
const compiledUrl = new URL('../dist/client/cli/durable-chat-cli.js', import.meta.url);
const source = fileURLToPath(sourceUrl);
const stripsTypes = Boolean(process.features.typescript);
const inDependency = source.includes('/node_modules/');

if (!inDependency && existsSync(source) && stripsTypes) {
  await import(sourceUrl.href);
} else if (existsSync(fileURLToPath(compiledUrl))) {
  await import(compiledUrl.href);
} else if (existsSync(source)) {
  const node = createRequire(import.meta.url).resolve('node/bin/node');
  const child = spawn(node, [source, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Ctrl+C reaches the child directly (same process group); this process only waits for it.
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) =>
    process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)),
  );
} else {
  process.stderr.write('durable-chat: the CLI is not built; run `npm run build:client`.\n');
  process.exit(1);
}
