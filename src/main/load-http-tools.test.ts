import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config.ts';
import { createRuntime } from './create-runtime.ts';
import { defaultHttpToolTimeoutMs, loadHttpTools } from './load-http-tools.ts';

const reservedNames = ['calculator', 'current_time'];

const validTool = {
  name: 'word_count',
  description: 'Counts words.',
  input_schema: { type: 'object', properties: { text: { type: 'string' } } },
  url: 'http://127.0.0.1:4100/tools/word-count',
};

describe('loadHttpTools', () => {
  let folder: string;
  let count = 0;
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'http-tools-'));
  });
  after(() => rm(folder, { recursive: true, force: true }));

  async function fileWith(content: unknown): Promise<string> {
    count += 1;
    const path = join(folder, `tools-${count}.json`);
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  /** The ConfigError the file gets; fails the test when it loads. */
  async function problemOf(content: unknown): Promise<{ path: string; message: string }> {
    const path = await fileWith(content);
    const error = await loadHttpTools(path, { reservedNames }).then(
      () => assert.fail('the file loaded'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof ConfigError, `a ConfigError, not ${String(error)}`);
    assert.ok(error.message.includes(path), 'the message names the file');
    return { path, message: error.message };
  }

  it('reads every field and applies the default timeout', async () => {
    const path = await fileWith({
      tools: [
        validTool,
        {
          name: 'render-report',
          description: 'Renders a report.',
          input_schema: { type: 'object', required: ['title'] },
          url: 'https://reports.example/render',
          timeout_ms: 2500,
          cancel_url: 'https://reports.example/cancel/{operation_id}',
          needs_approval: true,
          deadline_ms: 60_000,
        },
      ],
    });
    assert.deepEqual(await loadHttpTools(path, { reservedNames }), [
      {
        name: 'word_count',
        description: 'Counts words.',
        inputSchema: validTool.input_schema,
        url: validTool.url,
        timeoutMs: defaultHttpToolTimeoutMs,
      },
      {
        name: 'render-report',
        description: 'Renders a report.',
        inputSchema: { type: 'object', required: ['title'] },
        url: 'https://reports.example/render',
        timeoutMs: 2500,
        cancelUrl: 'https://reports.example/cancel/{operation_id}',
        needsApproval: true,
        deadlineMs: 60_000,
      },
    ]);
  });

  it('loads the example file shipped in examples/', async () => {
    const tools = await loadHttpTools(
      new URL('../../examples/http-tools.json', import.meta.url).pathname,
      {
        reservedNames,
      },
    );
    assert.deepEqual(
      tools.map((tool) => tool.name),
      ['word_count', 'render_report', 'always_fails', 'never_answers'],
    );
  });

  it('names the bad field of each bad entry', async () => {
    const { message } = await problemOf({
      tools: [
        { ...validTool, name: 'has space' },
        { ...validTool, name: 'ok', timeout_ms: 0 },
        { ...validTool, name: 'x'.repeat(65) },
        { ...validTool, name: 'ftp', url: 'ftp://files.example/tool' },
        { ...validTool, name: 'scalar', input_schema: { type: 'string' } },
        { ...validTool, name: 'typo', needs_aproval: true },
      ],
    });
    assert.match(message, /tools\.0\.name: expected 1 to 64 letters/);
    assert.match(message, /tools\.1\.timeout_ms:/);
    assert.match(message, /tools\.2\.name:/);
    assert.match(message, /tools\.3\.url: expected an http\(s\) URL/);
    assert.match(message, /tools\.4\.input_schema\.type: expected "object"/);
    assert.match(message, /tools\.5: .*needs_aproval/);
  });

  it('refuses a missing field, a missing file and a file that is not JSON', async () => {
    assert.match(
      (await problemOf({ tools: [{ ...validTool, url: undefined }] })).message,
      /tools\.0\.url:/,
    );
    assert.match((await problemOf({})).message, /tools:/);
    assert.match((await problemOf('{"tools": [')).message, /not JSON/);
    const missing = join(folder, 'missing.json');
    await assert.rejects(
      loadHttpTools(missing, { reservedNames }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes(missing) &&
        error.message.includes('cannot read'),
    );
  });

  it('refuses a name of a built-in tool and a name listed twice', async () => {
    const { message } = await problemOf({
      tools: [
        { ...validTool, name: 'calculator' },
        validTool,
        { ...validTool, description: 'Again.' },
      ],
    });
    assert.match(message, /tools\.0\.name: "calculator" is a built-in tool/);
    assert.match(message, /tools\.2\.name: "word_count" is listed twice/);
  });

  it('stops the runtime at start-up on a bad file, before it opens anything', async () => {
    const path = await fileWith({ tools: [{ ...validTool, name: 'demo_operation' }] });
    const config = loadConfig({
      HTTP_TOOLS_FILE: path,
      LOG_LEVEL: 'silent',
      DATA_DIR: join(folder, 'never-created'),
    });
    await assert.rejects(
      createRuntime(config),
      (error: unknown) =>
        error instanceof ConfigError && /"demo_operation" is a built-in tool/.test(error.message),
    );
    assert.equal(existsSync(join(folder, 'never-created')), false, 'no database was opened');
  });
});
