import {
  convertToModelMessages,
  experimental_createSteering as createSteering,
  type LanguageModel,
  stepCountIs,
  streamText,
  type ToolSet,
  type UIMessage,
  type UIMessageChunk,
} from 'ai';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { TurnJob } from '../queue/turn-queue.ts';
import type { StreamRegistry } from '../registry/stream-registry.ts';
import type { ChatStore, Conversation } from '../store/chat-store.ts';
import { endTurn, type WrittenLog } from '../turn/end-turn.ts';
import { publicErrorText } from '../turn/public-error.ts';
import { modelFailureOutcome, type TurnOutcome, turnOutcomes } from '../turn/turn-outcomes.ts';
import { ChunkWriter } from './chunk-writer.ts';
import { historyWithinContext, withSummary } from './history-within-context.ts';
import { type ModelFiles, withFilesForModel } from './files-for-model.ts';
import { SteeringFeed } from './steering-feed.ts';
import {
  createLongRunningTool,
  type LongRunningToolDefinition,
} from './tools/long-running-tool.ts';
import { titleSessionByModel } from './model-title.ts';
import { holdLease } from './turn-lease.ts';
import { limitToolOutputs } from './tools/limit-tool-outputs.ts';
import {
  createReadWorkspaceFileTool,
  readWorkspaceFileToolName,
} from './tools/read-workspace-file.ts';

export interface RunTurnDependencies {
  registry: StreamRegistry;
  store: ChatStore;
  logger: Logger;
  metrics: Metrics;
  model: LanguageModel;
  tools: ToolSet;
  maxSteps: number;
  /**
   * Every tool's output and error text is cut to this many bytes of JSON (`limitToolOutputs`),
   * the same value in the stream, the stored message and the model's input.
   */
  maxToolOutputBytes: number;
  /** Most tokens one model call (step) may generate; the step then ends with finish reason `length`. */
  maxOutputTokens: number;
  systemPrompt: string;
  /** Estimated tokens the history may take (`historyTokensOf`); past it, it is summarised. */
  historyTokens: number;
  /** The model titles a session after its first answer (`titleSessionByModel`); not the demo's. */
  titlesByModel: boolean;
  /** This executor's identity in turn leases (unique per process). */
  executorId: string;
  /** A running turn's lease lapses this long after the executor stops refreshing it. */
  leaseTtlMs: number;
  /** Chunks within this window go to the registry in one append (0: one append per chunk). */
  coalesceWindowMs: number;
  /** Tools whose work outlives the turn (see `long-running-tool.ts`); absent: none. */
  operations?: OperationSettings;
  /** Attached files, which the model reads as the turn's user (`files-for-model.ts`). */
  files: ModelFiles;
}

export interface OperationSettings {
  tools: LongRunningToolDefinition[];
  /** The API as services reach it, read when a tool starts (known once the API listens). */
  publicUrl(): string;
  defaultDeadlineMs: number;
}

/** Why a turn's abort signal fired: the user stopped it, or this process is shutting down. */
export type AbortReason = 'cancelled' | 'shutdown';

/**
 * Runs one turn: history → model (+ tools) → chunk log, then ends it through `endTurn`.
 * The AI SDK produces every chunk; this function only moves them and decides the outcome.
 */
export async function runTurn(
  dependencies: RunTurnDependencies,
  job: TurnJob,
  signal: AbortSignal,
): Promise<void> {
  const { registry, store, logger, metrics } = dependencies;
  const turnLogger = logger.child({ turnId: job.turnId, sessionId: job.sessionId });
  // The turn's lease (which also tells whether it still runs and whether a cancel came first) and
  // (at most) one store call go out together, before the model starts: one wait, not two. The
  // store call marks the turn running and reads its history and the follow-ups already waiting
  // (posted before it started), which reach its first step. It goes out before the turn is known
  // to run: only a queued turn is marked, and whoever ends a turn ends it from queued or running
  // alike. A failed call surfaces below, as the turn's failure; a failed lease rejects here.
  const began = beginTurn(store, job, turnLogger);
  began.catch(() => undefined);
  const lease = await holdLease(
    registry,
    job.turnId,
    dependencies.executorId,
    dependencies.leaseTtlMs,
  );
  const end = (outcome: TurnOutcome, written?: WrittenLog) =>
    endTurn(dependencies, job, outcome, written);
  if (lease.result === 'not-running') return;
  if (lease.result === 'cancel-requested' || signal.aborted) {
    lease.release();
    await end(outcomeOfAbort(signal));
    return;
  }
  if (lease.result === 'held') return;
  if (lease.result === 'expired') {
    // A redelivery after the executor that ran it died: its half-written answer cannot be
    // continued, so the turn ends as failed with the partial answer kept (never dropped silently).
    await end(turnOutcomes.executorGone);
    return;
  }
  // Wrapped here, where every tool of the turn meets the model, so none escapes the limit.
  const tools = limitToolOutputs(
    {
      ...toolsOfTurn(dependencies, job),
      [readWorkspaceFileToolName]: createReadWorkspaceFileTool(
        dependencies.files.store,
        job.userId,
      ),
    },
    dependencies.maxToolOutputBytes,
  );
  const forModel = (messages: UIMessage[]) =>
    withFilesForModel(messages, dependencies.files, job.userId);
  const steering = createSteering();
  const followUps = new SteeringFeed({
    store,
    sessionId: job.sessionId,
    steering,
    logger: turnLogger,
    toModel: async (message) => withContext(await forModel([message]))[0] ?? message,
    countFollowUps: () => registry.countFollowUps(job.turnId),
  });
  metrics.activeTurns.inc();
  let failure: unknown;
  let lastError: unknown;
  const writer = new ChunkWriter(registry, job.turnId, dependencies.coalesceWindowMs);
  /** The model's answer ended: a cancel landing after this point is too late to stop anything. */
  let finished = false;
  try {
    const { messages, pendingMessages } = await began;
    const abortSignal = AbortSignal.any([signal, lease.lost]);
    // Fitted as the model reads it (page context, files), so what it adds is counted too.
    const conversation = historyFor(messages, job);
    const history = await historyWithinContext(withContext(await forModel(conversation)), {
      ...dependencies,
      logger: turnLogger,
      sessionId: job.sessionId,
      abortSignal,
    });
    const firstQuestion = dependencies.titlesByModel ? firstQuestionOf(conversation) : null;
    let answer = '';
    await followUps.handOver(pendingMessages);
    const result = streamText({
      model: dependencies.model,
      system: withSummary(dependencies.systemPrompt, history.summary),
      messages: await convertToModelMessages(history.messages, {
        tools,
        ignoreIncompleteToolCalls: true,
      }),
      tools,
      // The only system messages in a history are the server's own: an operation's outcome,
      // which the continuation turn answers (`turn/end-operation.ts`); clients cannot send one.
      allowSystemInMessages: true,
      stopWhen: stepCountIs(dependencies.maxSteps),
      maxOutputTokens: dependencies.maxOutputTokens,
      abortSignal,
      experimental_steering: steering,
      // Awaited by the SDK before it decides whether to run another step: a follow-up stored
      // while this step streamed still joins the answer.
      onStepFinish: () => followUps.pull(),
      // Without this the SDK prints the raw error (which can carry keys) to stderr.
      onError: ({ error }) => {
        turnLogger.error({ err: error }, 'model stream error');
      },
    });
    const chunks = result.toUIMessageStream({
      generateMessageId: () => job.assistantMessageId,
      messageMetadata: ({ part }) =>
        part.type === 'finish'
          ? { usage: part.totalUsage, finishReason: part.finishReason }
          : undefined,
      // A failed tool is not a failed turn: the model reads the tool's error and carries on, so the
      // user sees the same text the model saw (tools throw errors meant to be read, like
      // "division by zero"), and the next turn's history matches what the model reasoned on.
      redactToolErrors: false,
      onError: (error) => {
        lastError = error;
        turnLogger.warn({ err: error }, 'error shown to the user masked');
        return publicErrorText(error);
      },
    });
    let first = true;
    for await (const chunk of chunks as AsyncIterable<UIMessageChunk>) {
      if (first) {
        metrics.timeToFirstChunkSeconds.observe((Date.now() - job.enqueuedAt) / 1000);
        first = false;
      }
      // A shutdown ends the turn as failed, whose `error` chunk is its one terminal chunk
      // (invariant 2): the SDK's `abort` chunk would be a second one.
      if (chunk.type === 'abort' && signal.reason === 'shutdown') break;
      writer.push(followUps.asSent(chunk));
      if (firstQuestion !== null && chunk.type === 'text-delta') answer += chunk.delta;
      if (chunk.type === 'tool-output-error') {
        turnLogger.warn({ toolCallId: chunk.toolCallId, error: chunk.errorText }, 'tool failed');
      }
      // Someone else ended the turn (force-close after a cancel): stop the model too. Likewise
      // once an append failed: every later chunk would be dropped and the turn can only fail.
      if (writer.refused || writer.failed) break;
      if (chunk.type === 'error') failure ??= lastError ?? new Error(chunk.errorText);
      if (chunk.type === 'finish') {
        // The stream would still emit an `abort` after `finish` if the signal fired meanwhile:
        // one terminal chunk per turn (invariant 2).
        finished = true;
        break;
      }
    }
    // Before the turn ends, so a client that refreshes its sessions then sees the new title.
    if (firstQuestion !== null && finished && failure === undefined && !signal.aborted) {
      // The answer's last words are not held back for the title model's reply (a remote call of
      // its own): they go out now. A failed append surfaces below, where the turn ends.
      writer.flush().catch(() => undefined);
      await titleSessionByModel(firstQuestion, answer, {
        ...dependencies,
        logger: turnLogger,
        sessionId: job.sessionId,
        abortSignal,
      });
    }
  } catch (error) {
    failure ??= error;
    turnLogger.error({ err: error }, 'turn failed');
  } finally {
    lease.release();
    metrics.activeTurns.dec();
  }
  // Whatever the model said before an error or a stop is written before the turn ends: with the
  // terminal event when the writer's log is the whole log, else first.
  const unpublished = await writer.unwritten();
  if (unpublished === null || (lease.lost.aborted && !signal.aborted)) {
    await writer.flush().catch((error: unknown) => {
      failure ??= error;
    });
  }
  if (writer.refused) return;
  // The turn was ended or taken by another party; ending it here would race that party.
  if (lease.lost.aborted && !signal.aborted) return;
  // What it wrote, if that is the whole log, is what the closer folds.
  const appended = writer.log;
  const written = appended === null ? undefined : { appended, unpublished: unpublished ?? [] };
  if (signal.aborted && !finished) await end(outcomeOfAbort(signal), written);
  else if (failure !== undefined) await end(modelFailureOutcome(failure), written);
  else await end(turnOutcomes.completed, written);
}

/**
 * The turn marked running, and its conversation: the one its job carries (the turn is marked
 * meanwhile, nothing waits for that), or read from the store with the marking.
 */
function beginTurn(store: ChatStore, job: TurnJob, logger: Logger): Promise<Conversation> {
  if (job.conversation === undefined) {
    return store.beginTurn({ turnId: job.turnId, sessionId: job.sessionId });
  }
  store.markTurnRunning(job.turnId).catch((error: unknown) => {
    logger.warn({ err: error }, 'could not mark the turn running');
  });
  return Promise.resolve(job.conversation);
}

/** The configured tools plus the long-running ones, which start operations on this turn's behalf. */
function toolsOfTurn(dependencies: RunTurnDependencies, job: TurnJob): ToolSet {
  const operations = dependencies.operations;
  if (operations === undefined || operations.tools.length === 0) return dependencies.tools;
  const context = {
    store: dependencies.store,
    logger: dependencies.logger,
    metrics: dependencies.metrics,
    sessionId: job.sessionId,
    turnId: job.turnId,
    assistantMessageId: job.assistantMessageId,
    publicUrl: operations.publicUrl(),
    defaultDeadlineMs: operations.defaultDeadlineMs,
  };
  const tools: ToolSet = { ...dependencies.tools };
  for (const definition of operations.tools) {
    tools[definition.name] = createLongRunningTool(definition, context);
  }
  return tools;
}

function outcomeOfAbort(signal: AbortSignal): TurnOutcome {
  return signal.reason === 'shutdown' ? turnOutcomes.shutdown : turnOutcomes.cancelled;
}

/**
 * What the model reads to answer the job's message: the conversation up to that message. A turn
 * that regenerates an answer starts once the answer is removed; the cut also keeps out anything
 * stored after the message, whatever stored it. A turn that failed or was stopped before
 * answering leaves an assistant message with no parts (for the conversation's sake); the model
 * has nothing to learn from it. A turn that continues a stored answer (its tool approvals were
 * answered) reads that answer last: the SDK runs the approved calls found there and the model
 * carries on after them.
 */
export function historyFor(messages: UIMessage[], job: TurnJob): UIMessage[] {
  const answered = messages.findIndex((message) => message.id === job.userMessageId);
  const upToQuestion = answered === -1 ? messages : messages.slice(0, answered + 1);
  const continued = messages.find(
    (message) => message.id === job.assistantMessageId && message.role === 'assistant',
  );
  return [
    ...upToQuestion.filter((message) => message.id !== job.assistantMessageId),
    ...(continued === undefined ? [] : [continued]),
  ].filter((message) => message.parts.length > 0);
}

/** The question of a conversation's first exchange, if that is what `history` is; else null. */
function firstQuestionOf(history: UIMessage[]): UIMessage | null {
  const [question, ...rest] = history;
  return question?.role === 'user' && rest.every((message) => message.role === 'assistant')
    ? question
    : null;
}

/** Page context sent with a message (seed body `context`) reaches the model as a text part. */
function withContext(messages: UIMessage[]): UIMessage[] {
  return messages.map((message) => {
    const context = (
      message.metadata as { context?: { url?: string; content?: string } } | undefined
    )?.context;
    if (message.role !== 'user' || !context) return message;
    const lines = [context.url ? `Page: ${context.url}` : '', context.content ?? ''].filter(
      Boolean,
    );
    return {
      ...message,
      parts: [...message.parts, { type: 'text', text: `\n\n[Context]\n${lines.join('\n')}` }],
    };
  });
}
