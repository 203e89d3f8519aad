import type { Logger } from '../logger.ts';
import type { FileSettings, TurnLimitSettings } from '../config.ts';
import type { Metrics } from '../metrics.ts';
import type { TurnQueue } from '../queue/turn-queue.ts';
import type { StreamRegistry } from '../registry/stream-registry.ts';
import type { ChatStore } from '../store/chat-store.ts';
import type { FileStore } from '../store/file-store.ts';
import type { AfterTurnEnded } from '../turn/end-turn.ts';
import type { Authenticator, Caller } from './authenticator.ts';
import type { CallerLimits } from './caller-limits.ts';
import type { MessageRateLimit } from './message-rate-limit.ts';
import type { SessionOwners } from './session-owners.ts';

export interface ApiSettings {
  heartbeatIntervalMs: number;
  cancelForceCloseMs: number;
  finishedTurnTtlMs: number;
  maxBodyBytes: number;
  requestBodyTimeoutMs: number;
  maxMessageChars: number;
  /** What uploads are accepted (`MAX_FILE_BYTES`, `FILE_MEDIA_TYPES`, `MAX_FILES_PER_USER`). */
  files: FileSettings;
  /** Origins the web app may load answer images from (`IMAGE_HOSTS`); empty: none. */
  imageOrigins: readonly string[];
  /** Per-user running-turn and waiting follow-up limits (see `turn-limits.ts`). */
  turnLimits: TurnLimitSettings;
  /** `CHAT_INTERNAL_API_KEY`: may complete any operation; undefined: only operation tokens can. */
  internalApiKey: string | undefined;
}

/** Everything `createApp` needs; the composition root picks the adapters. */
export interface ApiDependencies {
  store: ChatStore;
  /** Uploaded files; their owners reach them by id, nobody else does. */
  files: FileStore;
  registry: StreamRegistry;
  queue: TurnQueue;
  logger: Logger;
  metrics: Metrics;
  authenticator: Authenticator;
  callerLimits: CallerLimits;
  /** Shared by every API process when the registry is Redis. */
  messageRate: MessageRateLimit;
  settings: ApiSettings;
  /** Owners of the sessions this process has seen, so a new turn need not read its session. */
  sessionOwners: SessionOwners;
  /** See `StartTurnDependencies.enqueueTimeoutMs`; absent: turns are never taken for abandoned. */
  enqueueTimeoutMs?: number;
  /** See `EndTurnDependencies.afterTurnEnded`: starts a session's waiting follow-ups. */
  afterTurnEnded?: AfterTurnEnded;
  /**
   * Whether an executor would run a turn queued now; absent (an executor runs in this process):
   * always. Without one, new turns are refused with 503 instead of waiting for nobody.
   */
  executors?: { isAvailable(): Promise<boolean> };
}

export interface ApiEnvironment {
  Variables: { caller: Caller };
}
