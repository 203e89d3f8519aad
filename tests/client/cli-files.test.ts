import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FileUIPart } from 'ai';
import { DurableChatClient } from '../../src/client/index.ts';
import { runCli } from './support/run-cli.ts';
import { startTestServer, type TestServer } from '../support/start-test-server.ts';
import { testJwtSecret, tokenFor, userA } from '../support/tokens.ts';

describe('attaching files with the CLI', { timeout: 60_000 }, () => {
  let server: TestServer;
  let client: DurableChatClient;
  let environment: Record<string, string>;
  let directory: string;
  before(async () => {
    server = await startTestServer({
      JWT_SECRET: testJwtSecret,
      DEMO_TOKEN_DELAY_MS: '2',
      MAX_FILE_BYTES: '1000',
    });
    const token = await tokenFor(userA);
    client = new DurableChatClient({ baseUrl: server.baseUrl, token });
    environment = { DURABLE_CHAT_URL: server.baseUrl, DURABLE_CHAT_TOKEN: token };
    directory = await mkdtemp(join(tmpdir(), 'cli-files-'));
  });
  after(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('--file attaches each file to the first message, as file parts that reload', async () => {
    const notes = join(directory, 'notes.txt');
    const table = join(directory, 'table.csv');
    await writeFile(notes, 'first line of the notes\nsecond line\n');
    await writeFile(table, 'a,b\n1,2\n');
    const { id } = await client.createSession();
    const run = await runCli(
      ['chat', id, '--file', notes, '--file', table],
      environment,
      'read these\nand now this\n',
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /attached notes\.txt \(36 bytes\)/);
    const users = (await client.getSession(id)).messages.filter(({ role }) => role === 'user');
    assert.equal(users.length, 2);
    const files = users[0]!.parts.filter((part): part is FileUIPart => part.type === 'file');
    assert.deepEqual(
      files.map(({ filename, mediaType }) => ({ filename, mediaType })),
      [
        { filename: 'notes.txt', mediaType: 'text/plain' },
        { filename: 'table.csv', mediaType: 'text/csv' },
      ],
    );
    const [notesId] = /^\/api\/chat\/files\/(.+)$/.exec(files[0]!.url)!.slice(1);
    const content = await client.downloadFile(notesId!);
    assert.equal(await content.text(), 'first line of the notes\nsecond line\n');
    assert.equal(users[1]!.parts.filter((part) => part.type === 'file').length, 0);
  });

  it('a file the server refuses ends the CLI with its reason before anything is sent', async () => {
    const big = join(directory, 'big.txt');
    await writeFile(big, 'x'.repeat(2000));
    const { id } = await client.createSession();
    const run = await runCli(['chat', id, '--file', big], environment, 'hello\n');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /larger than 1000 bytes.*\(FILE_TOO_LARGE\) \(--file .*big\.txt\)/);
    assert.equal((await client.getSession(id)).messages.length, 0);
  });
});
