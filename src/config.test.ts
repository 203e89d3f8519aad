import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, defaultSystemPrompt, loadConfig, settings } from './config.ts';
import { createRuntime } from './main/create-runtime.ts';

describe('loadConfig', () => {
  it('runs on embedded defaults with nothing set: port 3000, PGlite, demo model, anonymous', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.model.openAiBaseUrl, undefined);
    assert.deepEqual(config.auth, { mode: 'anonymous' });
    assert.equal(config.heartbeatIntervalMs, 15_000);
    assert.equal(config.cancelForceCloseMs, 5_000);
    assert.equal(
      config.finishedTurnTtlMs,
      Number(settings.FINISHED_TURN_TTL_SECONDS.default) * 1000,
    );
  });

  it('opens at most 10 PostgreSQL connections per process unless DATABASE_POOL_SIZE says more', () => {
    assert.equal(loadConfig({}).databasePoolSize, 10);
    assert.equal(loadConfig({ DATABASE_POOL_SIZE: '40' }).databasePoolSize, 40);
    assert.throws(() => loadConfig({ DATABASE_POOL_SIZE: '0' }), ConfigError);
    assert.throws(() => loadConfig({ DATABASE_POOL_SIZE: 'many' }), ConfigError);
  });

  it('limits uploads to 10 MB of common document and image types by default, each settable', () => {
    assert.deepEqual(loadConfig({}).files, {
      maxFileBytes: 10 * 1024 * 1024,
      mediaTypes: [
        'text/*',
        'image/png',
        'image/jpeg',
        'image/gif',
        'image/webp',
        'application/pdf',
        'application/json',
      ],
      uploadTimeoutMs: 300_000,
      maxFilesPerUser: 1000,
      inlineBytes: 32 * 1024,
    });
    const custom = loadConfig({
      MAX_FILE_BYTES: '2048',
      FILE_MEDIA_TYPES: ' Image/PNG , ,text/csv',
      MAX_FILES_PER_USER: '0',
      UPLOAD_TIMEOUT_MS: '1000',
      FILE_INLINE_BYTES: '0',
    });
    assert.deepEqual(custom.files, {
      maxFileBytes: 2048,
      mediaTypes: ['image/png', 'text/csv'],
      uploadTimeoutMs: 1000,
      maxFilesPerUser: 0,
      inlineBytes: 0,
    });
    for (const mediaTypes of ['', 'png', 'image/', '*/*', 'text/plain;charset=utf-8']) {
      assert.throws(() => loadConfig({ FILE_MEDIA_TYPES: mediaTypes }), ConfigError, mediaTypes);
    }
    assert.throws(() => loadConfig({ MAX_FILE_BYTES: '0' }), ConfigError);
    assert.throws(() => loadConfig({ FILE_INLINE_BYTES: '-1' }), ConfigError);
  });

  it('shows images to an OpenAI-compatible model and not to the demo one, unless told', () => {
    const openAi = { OPENAI_BASE_URL: 'http://localhost:11434/v1' };
    assert.equal(loadConfig({}).model.acceptsImages, false);
    assert.equal(loadConfig(openAi).model.acceptsImages, true);
    assert.equal(
      loadConfig({ ...openAi, MODEL_ACCEPTS_IMAGES: 'false' }).model.acceptsImages,
      false,
    );
    assert.equal(loadConfig({ MODEL_ACCEPTS_IMAGES: 'true' }).model.acceptsImages, true);
    assert.throws(() => loadConfig({ MODEL_ACCEPTS_IMAGES: 'maybe' }), ConfigError);
  });

  it('limits callers, request bodies and answers by default, and lets each limit be set or turned off', () => {
    const defaults = loadConfig({});
    assert.deepEqual(defaults.callerLimits, {
      sessionCreateBurst: 20,
      sessionCreatePerMinute: 10,
      maxStreamsPerCaller: 10,
      trustProxyHops: 0,
    });
    assert.equal(defaults.requestBodyTimeoutMs, 30_000);
    assert.equal(defaults.maxOutputTokens, 4096);
    const custom = loadConfig({
      SESSION_CREATE_BURST: '0',
      MAX_STREAMS_PER_CALLER: '0',
      TRUST_PROXY_HOPS: '2',
      REQUEST_BODY_TIMEOUT_MS: '500',
      MAX_OUTPUT_TOKENS: '100',
    });
    assert.equal(custom.callerLimits.sessionCreateBurst, 0);
    assert.equal(custom.callerLimits.maxStreamsPerCaller, 0);
    assert.equal(custom.callerLimits.trustProxyHops, 2);
    assert.equal(custom.requestBodyTimeoutMs, 500);
    assert.equal(custom.maxOutputTokens, 100);
    assert.throws(() => loadConfig({ MAX_OUTPUT_TOKENS: '0' }), /MAX_OUTPUT_TOKENS/);
    assert.throws(
      () => loadConfig({ SESSION_CREATE_PER_MINUTE: '0' }),
      /SESSION_CREATE_PER_MINUTE/,
    );
  });

  it('limits running turns and waiting follow-ups per user by default; the message rate is off unless set', () => {
    const defaults = loadConfig({});
    assert.deepEqual(defaults.turnLimits, {
      maxRunningTurnsPerUser: 5,
      maxQueuedMessagesPerUser: 15,
      retryAfterSeconds: 5,
    });
    assert.equal(defaults.messageRate, null);
    assert.deepEqual(loadConfig({ MESSAGES_PER_MINUTE: '6' }).messageRate, {
      perMinute: 6,
      burst: 6,
    });
    assert.deepEqual(loadConfig({ MESSAGES_PER_MINUTE: '6', MESSAGE_BURST: '2' }).messageRate, {
      perMinute: 6,
      burst: 2,
    });
    assert.deepEqual(
      loadConfig({ MAX_RUNNING_TURNS_PER_USER: '0', MAX_QUEUED_MESSAGES_PER_USER: '0' }).turnLimits,
      { maxRunningTurnsPerUser: 0, maxQueuedMessagesPerUser: 0, retryAfterSeconds: 5 },
    );
    for (const [name, value] of [
      ['MESSAGE_BURST', '0'],
      ['MESSAGE_BURST', 'many'],
      ['MESSAGES_PER_MINUTE', '-1'],
      ['MAX_RUNNING_TURNS_PER_USER', '1.5'],
      ['TURN_LIMIT_RETRY_AFTER_SECONDS', '0'],
    ] as const) {
      assert.throws(() => loadConfig({ [name]: value }), new RegExp(name), `${name}=${value}`);
    }
  });

  it('cuts tool outputs at 100 KB by default, at a configured size, never below 256 bytes', () => {
    assert.equal(loadConfig({}).maxToolOutputBytes, 102_400);
    assert.equal(loadConfig({ MAX_TOOL_OUTPUT_BYTES: '1000' }).maxToolOutputBytes, 1000);
    assert.throws(() => loadConfig({ MAX_TOOL_OUTPUT_BYTES: '255' }), /MAX_TOOL_OUTPUT_BYTES/);
    assert.throws(() => loadConfig({ MAX_TOOL_OUTPUT_BYTES: '1e3x' }), /MAX_TOOL_OUTPUT_BYTES/);
  });

  it('treats blank variables as unset', () => {
    assert.equal(loadConfig({ DATABASE_URL: '  ', JWT_SECRET: '' }).databaseUrl, undefined);
  });

  it('turns on HS256 or JWKS auth with optional issuer and audience', () => {
    assert.deepEqual(loadConfig({ JWT_SECRET: 's3cret', JWT_ISSUER: 'me' }).auth, {
      mode: 'secret',
      secret: 's3cret',
      issuer: 'me',
      allowAnonymous: false,
    });
    assert.deepEqual(
      loadConfig({ JWKS_URL: 'https://id.example/jwks.json', JWT_AUDIENCE: 'chat' }).auth,
      {
        mode: 'jwks',
        jwksUrl: 'https://id.example/jwks.json',
        audience: 'chat',
        allowAnonymous: false,
      },
    );
  });

  it('refuses bad values, naming every bad variable at once', () => {
    assert.throws(
      () =>
        loadConfig({ PORT: '70000', MAX_STEPS: '0', DATABASE_URL: 'not a url', LOG_LEVEL: 'loud' }),
      (error: unknown) =>
        error instanceof ConfigError &&
        ['PORT', 'MAX_STEPS', 'DATABASE_URL', 'LOG_LEVEL'].every((name) =>
          error.message.includes(name),
        ),
    );
  });

  it('reads ALLOW_ANONYMOUS as a boolean, off by default, and refuses anything else', () => {
    const auth = (value?: string) => {
      const config = loadConfig({
        JWT_SECRET: 's3cret',
        ...(value === undefined ? {} : { ALLOW_ANONYMOUS: value }),
      });
      return config.auth.mode === 'anonymous' ? null : config.auth.allowAnonymous;
    };
    assert.equal(auth(), false);
    assert.equal(auth('true'), true);
    assert.equal(auth(' TRUE '), true);
    assert.equal(auth('1'), true);
    assert.equal(auth('false'), false);
    assert.equal(auth('0'), false);
    for (const value of ['yes', 'on', '2', '']) {
      assert.throws(() => auth(value), /ALLOW_ANONYMOUS/, value);
    }
  });

  it('refuses JWT_SECRET and JWKS_URL together', () => {
    assert.throws(
      () => loadConfig({ JWT_SECRET: 'x', JWKS_URL: 'https://id.example/jwks.json' }),
      /JWT_SECRET or JWKS_URL/,
    );
  });

  it('loads answer images from no origin unless IMAGE_HOSTS lists some', () => {
    assert.deepEqual(loadConfig({}).imageOrigins, []);
    assert.deepEqual(
      loadConfig({
        IMAGE_HOSTS: ' https://Images.Example.com/ , cdn.example.org:8443,http://127.0.0.1:9000',
      }).imageOrigins,
      ['https://images.example.com', 'https://cdn.example.org:8443', 'http://127.0.0.1:9000'],
    );
  });

  it('refuses IMAGE_HOSTS entries that are not exact http(s) origins, naming each', () => {
    const entries = [
      'https://*.example.com',
      'https://x.example/path',
      'data:',
      "'self'",
      'ftp://x',
    ];
    assert.throws(
      () => loadConfig({ IMAGE_HOSTS: entries.join(',') }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes('IMAGE_HOSTS') &&
        entries.every((entry) => error.message.includes(`"${entry}"`)),
    );
  });

  it('takes the system prompt from SYSTEM_PROMPT or a file, never both, and a default otherwise', async () => {
    assert.equal(loadConfig({}).systemPrompt, defaultSystemPrompt);
    assert.equal(loadConfig({ SYSTEM_PROMPT: ' Be terse. ' }).systemPrompt, 'Be terse.');
    const folder = await mkdtemp(join(tmpdir(), 'durable-chat-prompt-'));
    try {
      const file = join(folder, 'prompt.txt');
      await writeFile(file, 'You answer in haiku.\nAlways.\n');
      assert.equal(
        loadConfig({ SYSTEM_PROMPT_FILE: file }).systemPrompt,
        'You answer in haiku.\nAlways.',
      );
      assert.throws(
        () => loadConfig({ SYSTEM_PROMPT: 'x', SYSTEM_PROMPT_FILE: file }),
        /SYSTEM_PROMPT or SYSTEM_PROMPT_FILE, not both/,
      );
      assert.throws(
        () => loadConfig({ SYSTEM_PROMPT_FILE: join(folder, 'missing.txt') }),
        (error: unknown) =>
          error instanceof ConfigError &&
          /SYSTEM_PROMPT_FILE: cannot read .*missing/.test(error.message),
      );
      await writeFile(file, '  \n');
      assert.throws(() => loadConfig({ SYSTEM_PROMPT_FILE: file }), /is empty/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses a context window that leaves no room for the conversation, before connecting', async () => {
    assert.equal(loadConfig({}).modelContextTokens, 128_000);
    assert.throws(() => loadConfig({ MODEL_CONTEXT_TOKENS: '10' }), /MODEL_CONTEXT_TOKENS/);
    await assert.rejects(
      createRuntime(loadConfig({ MODEL_CONTEXT_TOKENS: '4000', LOG_LEVEL: 'silent' })),
      (error: unknown) =>
        error instanceof ConfigError &&
        /MODEL_CONTEXT_TOKENS \(4000\) leaves about -?\d+ tokens/.test(error.message),
    );
  });
});
