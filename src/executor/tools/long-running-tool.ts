import { type FlexibleSchema, type Tool, tool } from 'ai';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics.ts';
import type {
  OperationInProgressOutput,
  OperationStartedOutput,
} from '../../protocol/operation-outputs.ts';
import type { ChatStore } from '../../store/chat-store.ts';
import { newCompletionToken, operationInputKey, secretDigest } from '../../turn/operation-token.ts';

/** What a long-running tool's service receives to start an operation. */
export interface OperationStartRequest {
  operationId: string;
  input: unknown;
  /** Where the service POSTs the completion (`{success, result?, error?}`). */
  callbackUrl: string;
  /** Authorises that completion (header `X-Completion-Token`); valid for this operation only. */
  completionToken: string;
  /** Fires when the turn is stopped while the service is being asked. */
  signal: AbortSignal;
}

/**
 * What the service answered: it took the work and will complete it later (`accepted`), or it
 * did the work at once (`result`, an instant tool result). A service that cannot start the
 * operation throws: the model reads the error like any tool error.
 */
export type OperationStartResponse = { type: 'accepted' } | { type: 'result'; output: unknown };

/**
 * A tool whose work can outlive the turn that calls it. Calling it starts an operation: the
 * turn's tool part shows `operation_started`, the model says so, and the turn ends; the
 * operation's completion later starts a continuation turn.
 */
export interface LongRunningToolDefinition {
  name: string;
  description: string;
  inputSchema: FlexibleSchema<unknown>;
  /** How long the service may take; absent: the configured default. */
  deadlineMs?: number;
  /** Where to tell the service that the operation is no longer wanted (its session went). */
  cancelUrl?: string;
  /**
   * The user approves each call before it starts (the AI SDK's `needsApproval`): nothing is
   * sent to the service until then.
   */
  needsApproval?: boolean;
  start(request: OperationStartRequest): Promise<OperationStartResponse>;
}

/** What the tools of one turn need to start operations. */
export interface OperationToolContext {
  store: ChatStore;
  logger: Logger;
  metrics: Metrics;
  sessionId: string;
  turnId: string;
  assistantMessageId: string;
  /** The API's address as services reach it, e.g. `http://chat.internal:3000`. */
  publicUrl: string;
  defaultDeadlineMs: number;
  now?: () => number;
}

/** The URL a service POSTs an operation's completion to. */
export function completionUrl(publicUrl: string, operationId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/api/chat/operations/${encodeURIComponent(operationId)}/complete`;
}

/** `definition` as an AI SDK tool of one turn. */
export function createLongRunningTool(
  definition: LongRunningToolDefinition,
  context: OperationToolContext,
): Tool {
  const now = context.now ?? Date.now;
  return tool({
    description: definition.description,
    inputSchema: definition.inputSchema,
    ...(definition.needsApproval === true ? { needsApproval: true } : {}),
    execute: async (input: unknown, { toolCallId, abortSignal }) => {
      const operationId = crypto.randomUUID();
      const completionToken = newCompletionToken();
      const started = await context.store.startOperation({
        id: operationId,
        sessionId: context.sessionId,
        turnId: context.turnId,
        assistantMessageId: context.assistantMessageId,
        toolCallId,
        toolName: definition.name,
        input,
        inputKey: operationInputKey(definition.name, input),
        completionTokenHash: secretDigest(completionToken),
        cancelUrl: definition.cancelUrl ?? null,
        deadline: new Date(now() + (definition.deadlineMs ?? context.defaultDeadlineMs)),
      });
      if (started.type === 'in-progress') {
        return {
          type: 'operation_in_progress',
          operation_id: started.operation.id,
          tool_name: definition.name,
          message: `This ${definition.name} operation is already in progress; its result will arrive in this conversation when it completes.`,
        } satisfies OperationInProgressOutput;
      }
      context.metrics.operationsStarted.inc({ tool: definition.name });
      let response: OperationStartResponse;
      try {
        response = await definition.start({
          operationId,
          input,
          callbackUrl: completionUrl(context.publicUrl, operationId),
          completionToken,
          signal: abortSignal ?? new AbortController().signal,
        });
      } catch (error) {
        // The service never took it: nothing will complete it, and the model reads why now.
        const reason = error instanceof Error ? error.message : String(error);
        await context.store.endOperation({
          id: operationId,
          status: 'failed',
          error: reason,
          continuation: null,
        });
        context.metrics.operationsEnded.inc({ outcome: 'failed' });
        throw error;
      }
      if (response.type === 'result') {
        await context.store.endOperation({
          id: operationId,
          status: 'completed',
          result: response.output,
          continuation: null,
        });
        context.metrics.operationsEnded.inc({ outcome: 'completed' });
        return response.output;
      }
      // False when the service completed it before answering: the continuation is stored.
      await context.store.markOperationRunning(operationId);
      context.logger.info(
        { operationId, sessionId: context.sessionId, tool: definition.name },
        'operation started',
      );
      return {
        type: 'operation_started',
        operation_id: operationId,
        tool_name: definition.name,
        status: 'running',
        message: `Started ${definition.name}. It runs in the background; its result will arrive in this conversation when it completes.`,
      } satisfies OperationStartedOutput;
    },
  });
}
