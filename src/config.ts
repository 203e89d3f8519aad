import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseImageOrigins } from './parse-image-origins.ts';

/** Every setting, its environment variable, default and meaning: the one source for `--help` and the README. */
export const settings = {
  PORT: { default: '3000', help: 'HTTP port of the API' },
  HOST: { default: '0.0.0.0', help: 'interface the API listens on' },
  DATA_DIR: {
    default: '.data',
    help: 'where the embedded PGlite database and uploaded files live',
  },
  DATABASE_URL: { default: '', help: 'PostgreSQL URL; when set, used instead of embedded PGlite' },
  DATABASE_POOL_SIZE: {
    default: '10',
    help: 'PostgreSQL: connections each process opens at most; an executor running many turns at once needs more; the sum over all processes must stay under max_connections',
  },
  REDIS_URL: { default: '', help: 'Redis URL; when set, the stream registry lives in Redis' },
  REDIS_CLUSTER: {
    default: 'false',
    help: 'true: REDIS_URL is one node (a seed) of a Redis Cluster',
  },
  REDIS_KEY_BUCKETS: {
    default: '16',
    help: 'hash slots the Redis keys spread over; the same in every process (max. useful shards)',
  },
  AMQP_URL: { default: '', help: 'RabbitMQ URL; when set, turns and cancels go through RabbitMQ' },
  KEY_PREFIX: { default: 'durable-chat', help: 'prefix of Redis keys and RabbitMQ names' },
  EXECUTOR_PORT: { default: '8008', help: 'health and metrics port of `npm run start:executor`' },
  LEASE_TTL_MS: {
    default: '15000',
    help: 'a running turn whose executor stops refreshing its lease is ended after this (+ a sweep)',
  },
  SWEEP_INTERVAL_MS: { default: '5000', help: 'how often the sweeper looks for stuck turns' },
  UNLEASED_TURN_TIMEOUT_MS: {
    default: '600000',
    help: 'a turn no executor has taken after this long is ended as failed',
  },
  ENQUEUE_TIMEOUT_MS: {
    default: '5000',
    help: 'a turn its API process has not stored and queued after this long was abandoned (ended)',
  },
  NO_EXECUTOR_TIMEOUT_MS: {
    default: '30000',
    help: 'API: turns waiting while no executor takes jobs for this long are ended as failed',
  },
  COALESCE_WINDOW_MS: {
    default: '',
    help: 'executor: chunks within this window are written in one registry append (default: 0 in memory, 64 on Redis)',
  },
  SHUTDOWN_DEADLINE_MS: {
    default: '20000',
    help: 'on SIGTERM, running turns may finish for this long before they are closed',
  },
  OPENAI_BASE_URL: {
    default: '',
    help: 'OpenAI-compatible endpoint (e.g. http://localhost:11434/v1); unset = built-in demo model',
  },
  OPENAI_API_KEY: { default: '', help: 'API key sent to OPENAI_BASE_URL' },
  MODEL: { default: 'gpt-4o-mini', help: 'model name at OPENAI_BASE_URL' },
  MODEL_ACCEPTS_IMAGES: {
    default: '',
    help: 'true: attached images reach the model; false: they are only named (default: true with OPENAI_BASE_URL, false for the demo model)',
  },
  MAX_STEPS: { default: '5', help: 'model/tool steps per turn' },
  MAX_TOOL_OUTPUT_BYTES: {
    default: '102400',
    help: 'a tool output (or tool error text) larger than this, as JSON, is cut with a visible marker',
  },
  DEMO_TOKEN_DELAY_MS: { default: '30', help: 'demo model: delay between tokens' },
  DEMO_ANSWER_WORDS: { default: '60', help: 'demo model: words per answer' },
  DEMO_SLOW_SILENCE_MS: { default: '20000', help: 'demo model: silence of a [demo:slow] answer' },
  DEMO_OPERATION_DELAY_MS: {
    default: '5000',
    help: 'demo model: how long a [demo:operation] works before it completes through the webhook',
  },
  PUBLIC_URL: {
    default: '',
    help: 'the API as operation services reach it (completion callbacks); unset = http://127.0.0.1:PORT',
  },
  CHAT_INTERNAL_API_KEY: {
    default: '',
    help: 'X-API-Key that may complete any operation (POST /api/chat/operations/:id/complete); unset = only each operation’s own token',
  },
  OPERATION_DEADLINE_MS: {
    default: '3600000',
    help: 'a long-running operation not completed this long after it started ends as expired (tools may set their own)',
  },
  OPERATION_COMPLETION_EXCHANGE: {
    default: 'chat_operations',
    help: 'RabbitMQ direct exchange services publish operation completions to (routing key operation.complete)',
  },
  OPERATION_COMPLETION_QUEUE: {
    default: 'chat_operation_complete',
    help: 'RabbitMQ queue the API processes consume operation completions from',
  },
  HTTP_TOOLS_FILE: {
    default: '',
    help: 'JSON file listing external HTTP tools offered to the model (see README, HTTP tools); unset = none',
  },
  TURN_CONCURRENCY: { default: '5', help: 'turns one executor runs at once' },
  HEARTBEAT_INTERVAL_MS: { default: '15000', help: 'SSE heartbeat comment interval' },
  CANCEL_FORCE_CLOSE_MS: {
    default: '5000',
    help: 'after a cancel, force-close the turn if the worker has not ended it',
  },
  FINISHED_TURN_TTL_SECONDS: { default: '3600', help: 'how long a finished turn stays replayable' },
  MAX_BODY_BYTES: { default: '1048576', help: 'largest accepted request body' },
  REQUEST_BODY_TIMEOUT_MS: {
    default: '30000',
    help: 'a request body not complete this long after the API starts reading it gets a 408',
  },
  SESSION_CREATE_BURST: {
    default: '20',
    help: 'sessions one caller may create at once (per API process; 0 = no limit)',
  },
  SESSION_CREATE_PER_MINUTE: {
    default: '10',
    help: 'sessions one caller may create per minute after the burst is spent',
  },
  MAX_STREAMS_PER_CALLER: {
    default: '10',
    help: 'answers one caller may stream at once (per API process; 0 = no limit)',
  },
  MAX_RUNNING_TURNS_PER_USER: {
    default: '5',
    help: 'unfinished answers one user may have at once, all sessions (visitors: per session; 0 = no limit)',
  },
  MAX_QUEUED_MESSAGES_PER_USER: {
    default: '15',
    help: 'follow-ups one user may have waiting for a running answer (visitors: per session; 0 = no limit)',
  },
  TURN_LIMIT_RETRY_AFTER_SECONDS: {
    default: '5',
    help: 'Retry-After of a message refused by the two limits above',
  },
  MESSAGES_PER_MINUTE: {
    default: '0',
    help: 'messages one caller may send per minute, counted in Redis when set (0 = no limit)',
  },
  MESSAGE_BURST: {
    default: '',
    help: 'messages one caller may send at once; the count resets every MESSAGE_BURST / MESSAGES_PER_MINUTE minutes (default: MESSAGES_PER_MINUTE)',
  },
  TRUST_PROXY_HOPS: {
    default: '0',
    help: 'proxies in front of the API whose X-Forwarded-For entries name the caller (0 = socket)',
  },
  MAX_OUTPUT_TOKENS: { default: '4096', help: 'most tokens the model may generate per step' },
  MODEL_CONTEXT_TOKENS: {
    default: '128000',
    help: "the model's context window in tokens: a longer history is read as a summary of its oldest part (the demo model refuses longer prompts)",
  },
  SYSTEM_PROMPT: {
    default: '',
    help: 'the system prompt (unset: a short helpful-assistant prompt)',
  },
  SYSTEM_PROMPT_FILE: {
    default: '',
    help: 'a UTF-8 file whose text is the system prompt, read at start (instead of SYSTEM_PROMPT)',
  },
  MAX_MESSAGE_CHARS: { default: '100000', help: 'largest accepted user message' },
  MAX_FILE_BYTES: { default: '10485760', help: 'largest accepted file upload (413 above)' },
  FILE_MEDIA_TYPES: {
    default: 'text/*,image/png,image/jpeg,image/gif,image/webp,application/pdf,application/json',
    help: 'comma-separated media types files may have (type/* allows a whole type; 415 otherwise)',
  },
  FILE_INLINE_BYTES: {
    default: '32768',
    help: 'bytes of text attachments one message shows the model inline; past them a file is cut and read with the read_workspace_file tool',
  },
  UPLOAD_TIMEOUT_MS: {
    default: '300000',
    help: 'a file upload not complete this long after the API starts reading it gets a 408',
  },
  MAX_FILES_PER_USER: {
    default: '1000',
    help: 'files one user may keep uploaded at once (0 = no limit)',
  },
  JWT_SECRET: { default: '', help: 'HS256 secret; enables bearer auth' },
  JWKS_URL: { default: '', help: 'JWKS URL; enables bearer auth with asymmetric keys' },
  JWT_ISSUER: { default: '', help: 'required `iss` claim (optional)' },
  JWT_AUDIENCE: { default: '', help: 'required `aud` claim (optional)' },
  IMAGE_HOSTS: {
    default: '',
    help: 'comma-separated origins (or https hosts) the web app may load answer images from; none = no images',
  },
  ALLOW_ANONYMOUS: {
    default: 'false',
    help: 'with auth on: callers without a token may create and use unowned sessions (claimed later with assign-user)',
  },
  LOG_LEVEL: { default: 'info', help: 'pino log level (fatal … trace, silent)' },
} as const;

type SettingName = keyof typeof settings;

const integer = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(minimum).max(maximum);
const optionalText = z
  .string()
  .transform((value) => (value.trim() === '' ? undefined : value.trim()))
  .optional();
const optionalUrl = optionalText.pipe(z.url().optional());
/** An AMQP exchange or queue name the broker accepts; no `amq.` names, which it reserves. */
const rabbitMqName = z.string().regex(/^(?!amq\.)[A-Za-z0-9_.:-]{1,255}$/, {
  error: 'expected a RabbitMQ name (letters, digits, _ . : -)',
});
const boolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0'], { error: 'expected true or false' }))
  .transform((value) => value === 'true' || value === '1');

/** The executor's append window on Redis unless COALESCE_WINDOW_MS says otherwise. */
export const defaultRedisCoalesceWindowMs = 64;

const configSchema = z.object({
  PORT: integer(0, 65535),
  HOST: z.string().min(1),
  DATA_DIR: z.string().min(1),
  DATABASE_URL: optionalUrl,
  DATABASE_POOL_SIZE: integer(1, 1000),
  REDIS_URL: optionalUrl,
  REDIS_CLUSTER: boolean,
  REDIS_KEY_BUCKETS: integer(1, 1024),
  AMQP_URL: optionalUrl,
  KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/),
  EXECUTOR_PORT: integer(0, 65535),
  LEASE_TTL_MS: integer(100, 3_600_000),
  SWEEP_INTERVAL_MS: integer(10, 3_600_000),
  UNLEASED_TURN_TIMEOUT_MS: integer(1000, 7 * 24 * 3_600_000),
  ENQUEUE_TIMEOUT_MS: integer(100, 600_000),
  NO_EXECUTOR_TIMEOUT_MS: integer(100, 7 * 24 * 3_600_000),
  SHUTDOWN_DEADLINE_MS: integer(0, 3_600_000),
  COALESCE_WINDOW_MS: z.union([z.literal(''), integer(0, 1000)]),
  OPENAI_BASE_URL: optionalUrl,
  OPENAI_API_KEY: optionalText,
  MODEL: z.string().min(1),
  MODEL_ACCEPTS_IMAGES: z.union([z.literal(''), boolean]),
  MAX_STEPS: integer(1, 50),
  // The floor leaves room for the truncation marker next to some of the output.
  MAX_TOOL_OUTPUT_BYTES: integer(256, 100 * 1024 * 1024),
  DEMO_TOKEN_DELAY_MS: integer(0, 60_000),
  DEMO_ANSWER_WORDS: integer(1, 100_000),
  DEMO_SLOW_SILENCE_MS: integer(0, 600_000),
  DEMO_OPERATION_DELAY_MS: integer(0, 86_400_000),
  PUBLIC_URL: optionalUrl,
  CHAT_INTERNAL_API_KEY: optionalText,
  OPERATION_DEADLINE_MS: integer(1_000, 30 * 86_400_000),
  OPERATION_COMPLETION_EXCHANGE: rabbitMqName,
  OPERATION_COMPLETION_QUEUE: rabbitMqName,
  HTTP_TOOLS_FILE: optionalText,
  TURN_CONCURRENCY: integer(1, 1000),
  HEARTBEAT_INTERVAL_MS: integer(10, 3_600_000),
  CANCEL_FORCE_CLOSE_MS: integer(0, 600_000),
  FINISHED_TURN_TTL_SECONDS: integer(1, 30 * 24 * 3600),
  MAX_BODY_BYTES: integer(1024, 100 * 1024 * 1024),
  REQUEST_BODY_TIMEOUT_MS: integer(10, 3_600_000),
  SESSION_CREATE_BURST: integer(0, 1_000_000),
  SESSION_CREATE_PER_MINUTE: integer(1, 1_000_000),
  MAX_STREAMS_PER_CALLER: integer(0, 1_000_000),
  MAX_RUNNING_TURNS_PER_USER: integer(0, 1_000_000),
  MAX_QUEUED_MESSAGES_PER_USER: integer(0, 1_000_000),
  TURN_LIMIT_RETRY_AFTER_SECONDS: integer(1, 3600),
  MESSAGES_PER_MINUTE: integer(0, 1_000_000),
  MESSAGE_BURST: z.union(
    [
      z
        .string()
        .trim()
        .length(0)
        .transform(() => undefined),
      integer(1, 1_000_000),
    ],
    { error: 'expected a whole number from 1 to 1000000, or nothing' },
  ),
  TRUST_PROXY_HOPS: integer(0, 10),
  MAX_OUTPUT_TOKENS: integer(1, 10_000_000),
  MODEL_CONTEXT_TOKENS: integer(1_000, 100_000_000),
  SYSTEM_PROMPT: optionalText,
  SYSTEM_PROMPT_FILE: optionalText,
  MAX_MESSAGE_CHARS: integer(1, 10_000_000),
  // The ceiling keeps a whole upload comfortably in memory, where the API holds it once.
  MAX_FILE_BYTES: integer(1, 1024 * 1024 * 1024),
  FILE_MEDIA_TYPES: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter((entry) => entry !== ''),
    )
    .pipe(
      z
        .array(
          z.string().regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$/, {
            error: 'expected media types like text/plain or image/*',
          }),
        )
        .min(1, 'expected at least one media type'),
    ),
  FILE_INLINE_BYTES: integer(0, 10 * 1024 * 1024),
  UPLOAD_TIMEOUT_MS: integer(10, 3_600_000),
  MAX_FILES_PER_USER: integer(0, 1_000_000_000),
  JWT_SECRET: optionalText,
  JWKS_URL: optionalUrl,
  JWT_ISSUER: optionalText,
  JWT_AUDIENCE: optionalText,
  IMAGE_HOSTS: z.string().transform((value, context) => {
    const { origins, refused } = parseImageOrigins(value);
    for (const entry of refused) {
      context.addIssue({
        code: 'custom',
        message: `"${entry}" is not an http(s) origin or host (no paths, wildcards or credentials)`,
      });
    }
    return origins;
  }),
  ALLOW_ANONYMOUS: boolean,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Connections this process's PostgreSQL pool opens at most. */
  databasePoolSize: number;
  redisUrl: string | undefined;
  /** REDIS_URL names a node of a Redis Cluster. */
  redisCluster: boolean;
  redisKeyBuckets: number;
  amqpUrl: string | undefined;
  keyPrefix: string;
  executorPort: number;
  leaseTtlMs: number;
  sweepIntervalMs: number;
  unleasedTurnTimeoutMs: number;
  enqueueTimeoutMs: number;
  noExecutorTimeoutMs: number;
  shutdownDeadlineMs: number;
  coalesceWindowMs: number;
  model: {
    openAiBaseUrl: string | undefined;
    openAiApiKey: string | undefined;
    name: string;
    /** Attached images reach the model as images; otherwise they are only named. */
    acceptsImages: boolean;
  };
  maxSteps: number;
  /**
   * Largest tool output (and tool error text), as UTF-8 JSON, that reaches the stream, the
   * stored message and the model unchanged; a larger one is cut with a visible marker.
   */
  maxToolOutputBytes: number;
  demo: {
    tokenDelayMs: number;
    answerWords: number;
    slowSilenceMs: number;
    /** How long a `[demo:operation]` works before completing through the webhook. */
    operationDelayMs: number;
  };
  operations: {
    /** The API as services reach it; undefined: `http://127.0.0.1:<port>`. */
    publicUrl: string | undefined;
    /** May complete any operation; undefined: only each operation's own token can. */
    internalApiKey: string | undefined;
    defaultDeadlineMs: number;
    /** Where completions arrive over RabbitMQ (`AMQP_URL` set): the seed's names by default. */
    completionExchange: string;
    completionQueue: string;
    /** The JSON file of external HTTP tools (`HTTP_TOOLS_FILE`), read at start-up; undefined: none. */
    httpToolsFile: string | undefined;
  };
  turnConcurrency: number;
  heartbeatIntervalMs: number;
  cancelForceCloseMs: number;
  finishedTurnTtlMs: number;
  maxBodyBytes: number;
  requestBodyTimeoutMs: number;
  maxMessageChars: number;
  files: FileSettings;
  callerLimits: CallerLimitSettings;
  turnLimits: TurnLimitSettings;
  /** Null: no message rate limit (`MESSAGES_PER_MINUTE` = 0). */
  messageRate: MessageRateSettings | null;
  maxOutputTokens: number;
  /** The model's context window: the history a turn's model reads is fitted to it. */
  modelContextTokens: number;
  systemPrompt: string;
  /**
   * `allowAnonymous`: whether a caller without a token may create and use unowned sessions. In
   * anonymous mode nobody has a token, so the browser's visitor cookie is the only identity.
   */
  auth:
    | { mode: 'anonymous' }
    | {
        mode: 'secret';
        secret: string;
        issuer?: string;
        audience?: string;
        allowAnonymous: boolean;
      }
    | {
        mode: 'jwks';
        jwksUrl: string;
        issuer?: string;
        audience?: string;
        allowAnonymous: boolean;
      };
  /**
   * Origins (`https://images.example.com`) the web app may load images of answers from; empty:
   * it loads none. The same list makes the `img-src` of its Content-Security-Policy.
   */
  imageOrigins: string[];
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
}

/** What uploads the API accepts. */
export interface FileSettings {
  maxFileBytes: number;
  /** Lower-case `type/subtype` entries, or `type/*` for a whole type. */
  mediaTypes: string[];
  /**
   * From the first read of an upload to its last byte. Longer than REQUEST_BODY_TIMEOUT_MS: a
   * 10 MB file over a slow uplink takes minutes, a JSON message never does.
   */
  uploadTimeoutMs: number;
  /** Files one user may keep at once; zero: no limit. */
  maxFilesPerUser: number;
  /**
   * UTF-8 bytes of text attachments one message shows the model inline, its files together; the
   * model reads the rest through `read_workspace_file`. Zero: text files are only named.
   */
  inlineBytes: number;
}

/** Per-caller limits of one API process; a zero turns that limit off. */
export interface CallerLimitSettings {
  sessionCreateBurst: number;
  sessionCreatePerMinute: number;
  maxStreamsPerCaller: number;
  /** How many X-Forwarded-For entries, counted from the right, proxies of ours have added. */
  trustProxyHops: number;
}

/** Per-user limits on turns, counted in the ChatStore every API process shares; zero: off. */
export interface TurnLimitSettings {
  /** Queued or running turns of one user across its sessions (a caller without one: per session). */
  maxRunningTurnsPerUser: number;
  /** Follow-ups of one user waiting for a running turn (a caller without one: per session). */
  maxQueuedMessagesPerUser: number;
  /**
   * `Retry-After` of either refusal. Both free up when an answer ends or takes its follow-ups,
   * which is seconds away, not minutes, and nothing tells the API when: a short fixed wait lets
   * a client retry soon without spinning (default 5 s, like a refused stream).
   */
  retryAfterSeconds: number;
}

/**
 * The per-caller message rate: `burst` messages in a window of `burst / perMinute` minutes, so
 * the average stays at `perMinute` while a caller may send `burst` at once.
 */
export interface MessageRateSettings {
  perMinute: number;
  burst: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(environment: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, string> = {};
  for (const name of Object.keys(settings) as SettingName[]) {
    input[name] = environment[name] ?? settings[name].default;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const values = parsed.data;
  if (values.JWT_SECRET && values.JWKS_URL) {
    throw new ConfigError('invalid configuration: set JWT_SECRET or JWKS_URL, not both');
  }
  const claims = {
    ...(values.JWT_ISSUER ? { issuer: values.JWT_ISSUER } : {}),
    ...(values.JWT_AUDIENCE ? { audience: values.JWT_AUDIENCE } : {}),
    allowAnonymous: values.ALLOW_ANONYMOUS,
  };
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir: values.DATA_DIR,
    databaseUrl: values.DATABASE_URL,
    databasePoolSize: values.DATABASE_POOL_SIZE,
    redisUrl: values.REDIS_URL,
    redisCluster: values.REDIS_CLUSTER,
    redisKeyBuckets: values.REDIS_KEY_BUCKETS,
    amqpUrl: values.AMQP_URL,
    keyPrefix: values.KEY_PREFIX,
    executorPort: values.EXECUTOR_PORT,
    leaseTtlMs: values.LEASE_TTL_MS,
    sweepIntervalMs: values.SWEEP_INTERVAL_MS,
    unleasedTurnTimeoutMs: values.UNLEASED_TURN_TIMEOUT_MS,
    enqueueTimeoutMs: values.ENQUEUE_TIMEOUT_MS,
    noExecutorTimeoutMs: values.NO_EXECUTOR_TIMEOUT_MS,
    shutdownDeadlineMs: values.SHUTDOWN_DEADLINE_MS,
    // On Redis every append is a command: a window a little over two gaps of a real model's tokens
    // (30 ms apart) puts three in one append, at most 64 ms late; in memory an append costs nothing.
    coalesceWindowMs:
      values.COALESCE_WINDOW_MS === ''
        ? values.REDIS_URL
          ? defaultRedisCoalesceWindowMs
          : 0
        : values.COALESCE_WINDOW_MS,
    model: {
      openAiBaseUrl: values.OPENAI_BASE_URL,
      openAiApiKey: values.OPENAI_API_KEY,
      name: values.MODEL,
      // The demo model reads no image; an OpenAI-compatible one is assumed to, unless told.
      acceptsImages:
        values.MODEL_ACCEPTS_IMAGES === ''
          ? values.OPENAI_BASE_URL !== undefined
          : values.MODEL_ACCEPTS_IMAGES,
    },
    maxSteps: values.MAX_STEPS,
    maxToolOutputBytes: values.MAX_TOOL_OUTPUT_BYTES,
    demo: {
      tokenDelayMs: values.DEMO_TOKEN_DELAY_MS,
      answerWords: values.DEMO_ANSWER_WORDS,
      slowSilenceMs: values.DEMO_SLOW_SILENCE_MS,
      operationDelayMs: values.DEMO_OPERATION_DELAY_MS,
    },
    operations: {
      publicUrl: values.PUBLIC_URL,
      internalApiKey: values.CHAT_INTERNAL_API_KEY,
      defaultDeadlineMs: values.OPERATION_DEADLINE_MS,
      completionExchange: values.OPERATION_COMPLETION_EXCHANGE,
      completionQueue: values.OPERATION_COMPLETION_QUEUE,
      httpToolsFile: values.HTTP_TOOLS_FILE,
    },
    turnConcurrency: values.TURN_CONCURRENCY,
    heartbeatIntervalMs: values.HEARTBEAT_INTERVAL_MS,
    cancelForceCloseMs: values.CANCEL_FORCE_CLOSE_MS,
    finishedTurnTtlMs: values.FINISHED_TURN_TTL_SECONDS * 1000,
    maxBodyBytes: values.MAX_BODY_BYTES,
    requestBodyTimeoutMs: values.REQUEST_BODY_TIMEOUT_MS,
    maxMessageChars: values.MAX_MESSAGE_CHARS,
    files: {
      maxFileBytes: values.MAX_FILE_BYTES,
      mediaTypes: values.FILE_MEDIA_TYPES,
      uploadTimeoutMs: values.UPLOAD_TIMEOUT_MS,
      maxFilesPerUser: values.MAX_FILES_PER_USER,
      inlineBytes: values.FILE_INLINE_BYTES,
    },
    callerLimits: {
      sessionCreateBurst: values.SESSION_CREATE_BURST,
      sessionCreatePerMinute: values.SESSION_CREATE_PER_MINUTE,
      maxStreamsPerCaller: values.MAX_STREAMS_PER_CALLER,
      trustProxyHops: values.TRUST_PROXY_HOPS,
    },
    turnLimits: {
      maxRunningTurnsPerUser: values.MAX_RUNNING_TURNS_PER_USER,
      maxQueuedMessagesPerUser: values.MAX_QUEUED_MESSAGES_PER_USER,
      retryAfterSeconds: values.TURN_LIMIT_RETRY_AFTER_SECONDS,
    },
    messageRate:
      values.MESSAGES_PER_MINUTE === 0
        ? null
        : {
            perMinute: values.MESSAGES_PER_MINUTE,
            burst: values.MESSAGE_BURST ?? values.MESSAGES_PER_MINUTE,
          },
    maxOutputTokens: values.MAX_OUTPUT_TOKENS,
    modelContextTokens: values.MODEL_CONTEXT_TOKENS,
    systemPrompt: systemPromptOf(values.SYSTEM_PROMPT, values.SYSTEM_PROMPT_FILE),
    auth: values.JWT_SECRET
      ? { mode: 'secret', secret: values.JWT_SECRET, ...claims }
      : values.JWKS_URL
        ? { mode: 'jwks', jwksUrl: values.JWKS_URL, ...claims }
        : { mode: 'anonymous' },
    imageOrigins: values.IMAGE_HOSTS,
    logLevel: values.LOG_LEVEL,
  };
}

export const defaultSystemPrompt =
  'You are a helpful assistant. Answer clearly and concisely. Use the tools when they help.';

/** SYSTEM_PROMPT, or the text of SYSTEM_PROMPT_FILE, or the default; never both set. */
function systemPromptOf(text: string | undefined, file: string | undefined): string {
  if (text !== undefined && file !== undefined) {
    throw new ConfigError(
      'invalid configuration: set SYSTEM_PROMPT or SYSTEM_PROMPT_FILE, not both',
    );
  }
  if (file === undefined) return text ?? defaultSystemPrompt;
  let read: string;
  try {
    read = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(
      `invalid configuration: SYSTEM_PROMPT_FILE: cannot read ${file} (${(error as Error).message})`,
    );
  }
  if (read === '')
    throw new ConfigError(`invalid configuration: SYSTEM_PROMPT_FILE: ${file} is empty`);
  return read;
}

/**
 * The scale-out processes (`start:api`, `start:executor`) share state only through these
 * services, so each URL is required — never a silent fallback to an in-memory adapter.
 */
export function requireDistributedUrls(config: Config): {
  databaseUrl: string;
  redisUrl: string;
  amqpUrl: string;
} {
  const missing = [
    config.databaseUrl ? null : 'DATABASE_URL',
    config.redisUrl ? null : 'REDIS_URL',
    config.amqpUrl ? null : 'AMQP_URL',
  ].filter((name) => name !== null);
  if (missing.length > 0 || !config.databaseUrl || !config.redisUrl || !config.amqpUrl) {
    throw new ConfigError(
      `the distributed mode needs ${missing.join(', ')} (PostgreSQL, Redis and RabbitMQ URLs)`,
    );
  }
  return { databaseUrl: config.databaseUrl, redisUrl: config.redisUrl, amqpUrl: config.amqpUrl };
}

/** The `--help` text: every variable with its default. */
export function configHelp(): string {
  const lines = Object.entries(settings).map(
    ([name, { default: fallback, help }]) =>
      `  ${name.padEnd(26)} ${help}${fallback ? ` (default: ${fallback})` : ''}`,
  );
  return `Environment variables:\n${lines.join('\n')}`;
}
