import { z } from 'zod';
import { toolInput } from './tool-input.ts';
import type { Logger } from '../../logger.ts';
import { demoOperationToolName } from '../../model/demo-response-plan.ts';
import type { LongRunningToolDefinition, OperationStartRequest } from './long-running-tool.ts';

/** Attempts at delivering the completion before the demo service gives up (the deadline ends it). */
const deliveryAttempts = 5;
const retryDelayMs = 1_000;

export interface DemoOperationOptions {
  /** How long the demo service "works" before it completes the operation. */
  delayMs: number;
  logger: Logger;
}

/**
 * `demo_operation`: a long-running tool for the demo model (`[demo:operation]`). Its service
 * lives in this process but behaves like any external one: it accepts the work, and after
 * `delayMs` completes the operation through the real completion webhook with the operation's
 * token — no shortcut into the store. Like a real service that dies, a restart of this process
 * before the delay loses the work; the operation then ends at its deadline.
 */
export function createDemoOperationTool(options: DemoOperationOptions): LongRunningToolDefinition {
  return {
    name: demoOperationToolName,
    description:
      'Starts a slow background task (a demo of long-running operations) and returns at once; the result arrives later. Used by the built-in demo model only.',
    inputSchema: toolInput(
      z.object({
        task: z.string().max(500),
        outcome: z.enum(['success', 'failure']).default('success'),
      }),
    ),
    start: async (request) => {
      const timer = setTimeout(() => void complete(request, options), options.delayMs);
      // Pending demo work must not keep a stopping process alive.
      timer.unref();
      return { type: 'accepted' };
    },
  };
}

async function complete(request: OperationStartRequest, options: DemoOperationOptions) {
  const { task, outcome } = request.input as { task: string; outcome: 'success' | 'failure' };
  const body =
    outcome === 'failure'
      ? { success: false, error: `the demo task "${task}" failed` }
      : { success: true, result: { report: `Finished: ${task}`, took_ms: options.delayMs } };
  for (let attempt = 1; attempt <= deliveryAttempts; attempt += 1) {
    try {
      const response = await fetch(request.callbackUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-completion-token': request.completionToken,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      // 4xx other than a rate limit will not change on a retry (the operation ended, is gone).
      if (response.ok || (response.status < 500 && response.status !== 429)) return;
    } catch (error) {
      options.logger.warn(
        { err: error, operationId: request.operationId, attempt },
        'demo operation could not deliver its completion',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs * attempt).unref());
  }
}
