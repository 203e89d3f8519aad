import type { UIMessage } from 'ai';
import type { OperationStatus } from '../../../src/client/index.ts';
import { continuationOperationOf } from './session-operations.ts';
import './operation-view.css';

const endings: Record<OperationStatus, string> = {
  pending: 'is pending',
  running: 'is running',
  completed: 'finished',
  failed: 'failed',
  expired: 'did not finish in time',
  cancelled: 'was cancelled',
};

/**
 * The `system` message that continues the conversation when an operation ended, as a small
 * notice ("build finished"): the server wrote it for the model, nobody typed it. Other system
 * messages show nothing, as before.
 */
export function OperationNoticeView({ message }: { message: UIMessage }) {
  const operation = continuationOperationOf(message);
  if (operation === null) return null;
  const failed = operation.status !== 'completed';
  return (
    <div
      className={`operation-notice${failed ? ' operation-notice-failed' : ''}`}
      data-testid="operation-notice"
      data-message-id={message.id}
      data-operation-id={operation.operationId}
      data-state={operation.status}
      role="note"
    >
      {operation.toolName} {endings[operation.status]}
    </div>
  );
}
