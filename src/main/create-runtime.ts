import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { LanguageModel, ToolSet } from 'ai';
import type { ApiDependencies } from '../api/api-dependencies.ts';
import { createAuthenticator } from '../api/authenticator.ts';
import { CallerLimits } from '../api/caller-limits.ts';
import { SessionOwners } from '../api/session-owners.ts';
import { type Config, ConfigError } from '../config.ts';
import { historyTokensOf } from '../executor/context-budget.ts';
import type { RunTurnDependencies } from '../executor/run-turn.ts';
import { createBuiltInTools } from '../executor/tools/built-in-tools.ts';
import { createDemoOperationTool } from '../executor/tools/demo-operation.ts';
import { createHttpTool } from '../executor/tools/http-tool.ts';
import { readWorkspaceFileToolName } from '../executor/tools/read-workspace-file.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createMetrics } from '../metrics.ts';
import { createLanguageModel } from '../model/create-language-model.ts';
import { demoOperationToolName } from '../model/demo-response-plan.ts';
import type { TurnQueue } from '../queue/turn-queue.ts';
import type { ChatStore } from '../store/chat-store.ts';
import type { FileStore } from '../store/file-store.ts';
import { loadHttpTools } from './load-http-tools.ts';
import { openChatStore } from './open-chat-store.ts';
import { openFileStore } from './open-file-store.ts';
import { openMessageRateLimit } from './open-message-rate-limit.ts';
import { openStreamRegistry } from './open-stream-registry.ts';
import { openTurnQueue } from './open-turn-queue.ts';
import { followUpStarter } from '../turn/start-follow-ups.ts';

/**
 * The least room for the conversation a configuration may leave: below it a turn could hold
 * little more than the message it answers.
 */
const minimumHistoryTokens = 256;

/** Every adapter and service of one process, chosen from validated config in ONE place. */
export interface Runtime {
  config: Config;
  logger: Logger;
  api: ApiDependencies;
  executor: RunTurnDependencies & { queue: TurnQueue };
  model: { model: LanguageModel; description: string };
  storeDescription: string;
  fileStoreDescription: string;
  queueDescription: string;
  registryDescription: string;
  /** Registry and queue live in this process: nothing survives it, nothing else shares them. */
  embedded: boolean;
  /**
   * Where this process's API listens, once it does: the address operation services call back
   * when `PUBLIC_URL` is not set.
   */
  setListeningUrl(url: string): void;
  close(): Promise<void>;
}

export async function createRuntime(
  config: Config,
  options: {
    logger?: Logger;
    tools?: ToolSet;
    store?: ChatStore;
    /** The injected store is this process's alone (no other process writes its sessions). */
    storeIsExclusive?: boolean;
    files?: FileStore;
  } = {},
): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const historyTokens = historyTokensOf({
    contextTokens: config.modelContextTokens,
    maxOutputTokens: config.maxOutputTokens,
    systemPrompt: config.systemPrompt,
  });
  if (historyTokens < minimumHistoryTokens) {
    throw new ConfigError(
      `invalid configuration: MODEL_CONTEXT_TOKENS (${config.modelContextTokens}) leaves about ${historyTokens} tokens for the conversation after MAX_OUTPUT_TOKENS and the system prompt; it needs at least ${minimumHistoryTokens}`,
    );
  }
  // First, so a bad tools file stops the process before it connects to anything.
  const httpTools = await httpToolsOf(config, options.tools);
  const metrics = createMetrics();
  const { store, description: storeDescription } = options.store
    ? { store: options.store, description: 'injected store' }
    : await openChatStore(config);
  const { files, description: fileStoreDescription } = options.files
    ? { files: options.files, description: 'injected file store' }
    : await openFileStore(config);
  const {
    registry,
    description: registryDescription,
    redis,
  } = await openStreamRegistry(config, logger);
  const { queue, description: queueDescription } = await openTurnQueue(config, logger);
  const model = createLanguageModel({
    openAiBaseUrl: config.model.openAiBaseUrl,
    openAiApiKey: config.model.openAiApiKey,
    model: config.model.name,
    demo: { ...config.demo, contextTokens: config.modelContextTokens },
  });
  const authenticator = createAuthenticator(config.auth);
  const turnLayer = {
    store,
    registry,
    queue,
    logger,
    metrics,
    enqueueTimeoutMs: config.enqueueTimeoutMs,
  };
  // Every process that ends turns (API, executor, sweeper) starts the follow-ups waiting then.
  const shared = { ...turnLayer, afterTurnEnded: followUpStarter(turnLayer) };
  let listeningUrl = `http://127.0.0.1:${config.port}`;
  // HTTP tools are offered to every model: a real one calls them from their descriptions, the
  // demo one on `[demo:call=NAME …]`.
  const longRunningTools = [
    ...(model.isDemo
      ? [createDemoOperationTool({ delayMs: config.demo.operationDelayMs, logger })]
      : []),
    ...httpTools.map(createHttpTool),
  ];
  return {
    config,
    logger,
    model,
    storeDescription,
    fileStoreDescription,
    queueDescription,
    registryDescription,
    embedded: !config.amqpUrl && !config.redisUrl,
    setListeningUrl(url) {
      listeningUrl = url;
    },
    api: {
      ...shared,
      files,
      authenticator,
      callerLimits: new CallerLimits(config.callerLimits),
      // An unowned session can be claimed only with sign-in on; and PGlite is opened by this
      // process alone, so every claim of its sessions is made here.
      sessionOwners: new SessionOwners({
        rememberUnowned:
          !authenticator.enabled ||
          (options.store ? options.storeIsExclusive === true : !config.databaseUrl),
      }),
      messageRate: openMessageRateLimit(
        config.messageRate,
        redis ? { connection: redis, keyPrefix: config.keyPrefix } : null,
      ),
      settings: {
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        cancelForceCloseMs: config.cancelForceCloseMs,
        finishedTurnTtlMs: config.finishedTurnTtlMs,
        maxBodyBytes: config.maxBodyBytes,
        requestBodyTimeoutMs: config.requestBodyTimeoutMs,
        maxMessageChars: config.maxMessageChars,
        files: config.files,
        imageOrigins: config.imageOrigins,
        turnLimits: config.turnLimits,
        internalApiKey: config.operations.internalApiKey,
      },
    },
    executor: {
      ...shared,
      model: model.model,
      tools: options.tools ?? createBuiltInTools({ demoSteps: model.isDemo }),
      maxSteps: config.maxSteps,
      maxToolOutputBytes: config.maxToolOutputBytes,
      maxOutputTokens: config.maxOutputTokens,
      systemPrompt: config.systemPrompt,
      historyTokens,
      titlesByModel: !model.isDemo,
      executorId: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
      leaseTtlMs: config.leaseTtlMs,
      coalesceWindowMs: config.coalesceWindowMs,
      // The API's own store: the executor reads the files the API took, in this process or,
      // on DATABASE_URL, in another.
      files: {
        store: files,
        inlineBytes: config.files.inlineBytes,
        acceptsImages: config.model.acceptsImages,
      },
      operations: {
        tools: longRunningTools,
        publicUrl: () => config.operations.publicUrl ?? listeningUrl,
        defaultDeadlineMs: config.operations.defaultDeadlineMs,
      },
    },
    async close() {
      await queue.close();
      await registry.close();
      await store.close();
      await files.close();
    },
  };
}

/**
 * The HTTP tools of `HTTP_TOOLS_FILE`. Their names may not be those of built-in tools, whichever
 * model runs, so a file valid with one model stays valid with the other.
 */
async function httpToolsOf(config: Config, injectedTools: ToolSet | undefined) {
  if (config.operations.httpToolsFile === undefined) return [];
  const reservedNames = [
    ...Object.keys(createBuiltInTools({ demoSteps: true })),
    ...Object.keys(injectedTools ?? {}),
    demoOperationToolName,
    readWorkspaceFileToolName,
  ];
  return loadHttpTools(config.operations.httpToolsFile, { reservedNames });
}
