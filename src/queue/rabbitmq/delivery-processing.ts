import { setTimeout as sleep } from 'node:timers/promises';
import { type AsyncMessage, ConsumerStatus } from 'rabbitmq-client';
import type { OperationCompletionHandler, TurnHandler } from '../turn-queue.ts';
import type { QueueLogger } from './broker-connection.ts';
import { previewOfBody } from './message-body.ts';
import { decodeOperationCompletion } from './operation-completion-message.ts';
import { decodeTurnJob } from './turn-job-message.ts';

// What becomes of one delivery; neither function rejects, so the status is always theirs.

/** A job is consumed whether its handler returns or throws (see `TurnHandler`). */
export async function processTurnJob(
  handler: TurnHandler,
  message: AsyncMessage,
  logger: QueueLogger,
): Promise<ConsumerStatus> {
  const decoded = decodeTurnJob(message.body);
  if (!decoded) {
    logger.error(
      { messageId: message.messageId },
      'dropping a turn message that is not a valid turn job',
    );
    return ConsumerStatus.DROP;
  }
  const { job } = decoded;
  if (decoded.conversationDropped) {
    logger.warn(
      { messageId: message.messageId, turnId: job.turnId },
      'a turn job carried a malformed conversation; its executor reads it from the store',
    );
  }
  try {
    await handler(job, { redelivered: message.redelivered });
  } catch (error) {
    logger.error({ err: error, turnId: job.turnId }, 'turn handler failed');
  }
  return ConsumerStatus.ACK;
}

/**
 * A completion is acked once applied; one whose handler rejected is held `redeliveryDelayMs`
 * (so a store outage is not a busy loop), then requeued; one that is not a completion is
 * logged and acked, since redelivering it could never succeed.
 */
export async function processCompletion(
  handler: OperationCompletionHandler,
  message: AsyncMessage,
  options: { logger: QueueLogger; redeliveryDelayMs: number },
): Promise<ConsumerStatus> {
  const { logger, redeliveryDelayMs } = options;
  const completion = decodeOperationCompletion(message.body);
  if (!completion) {
    logger.error(
      { messageId: message.messageId, content: previewOfBody(message.body) },
      'dropping a message that is not an operation completion',
    );
    return ConsumerStatus.ACK;
  }
  try {
    await handler(completion);
    return ConsumerStatus.ACK;
  } catch (error) {
    logger.error(
      {
        err: error,
        operationId: completion.operationId,
        redelivered: message.redelivered,
        retryInMs: redeliveryDelayMs,
      },
      'operation completion failed; it will be redelivered',
    );
    await sleep(redeliveryDelayMs);
    return ConsumerStatus.REQUEUE;
  }
}
