import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics.ts';
import type { Operation } from '../store/chat-store.ts';

/** How long a service gets to take a cancel notice before it is given up on. */
const cancelNoticeTimeoutMs = 5_000;

/**
 * Tells the services of a deleted session's operations in progress that nobody wants them any
 * more: a POST of `{operation_id}` to each one's cancel URL (`{operation_id}` in the URL is
 * replaced too). Best effort and not awaited by the caller's answer: the operations are already
 * gone from the store, so a late completion finds nothing (404) whatever the service does.
 */
export function noticeCancelledOperations(
  dependencies: { logger: Logger; metrics: Metrics },
  operations: Operation[],
): Promise<void> {
  const inProgress = operations.filter(
    (operation) => operation.status === 'pending' || operation.status === 'running',
  );
  return Promise.all(
    inProgress.map(async (operation) => {
      dependencies.metrics.operationsEnded.inc({ outcome: 'cancelled' });
      dependencies.logger.info(
        { operationId: operation.id, sessionId: operation.sessionId, tool: operation.toolName },
        'operation cancelled with its session',
      );
      if (operation.cancelUrl === null) return;
      const url = operation.cancelUrl.replaceAll(
        '{operation_id}',
        encodeURIComponent(operation.id),
      );
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ operation_id: operation.id }),
          signal: AbortSignal.timeout(cancelNoticeTimeoutMs),
        });
        await response.body?.cancel();
        if (!response.ok) {
          dependencies.logger.warn(
            { operationId: operation.id, status: response.status },
            'operation service refused the cancel',
          );
        }
      } catch (error) {
        dependencies.logger.warn(
          { err: error, operationId: operation.id },
          'could not tell the operation service to cancel',
        );
      }
    }),
  ).then(() => undefined);
}
