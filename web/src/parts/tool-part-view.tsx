import { use } from 'react';
import { OperationView, operationCardOf } from './operation-view.tsx';
import { SessionOperationsContext } from './session-operations.ts';
import { ToolCallView, type ToolCallPart } from './tool-call-view.tsx';

/**
 * A tool part: an operation card when the call started a long-running operation, the tool
 * call otherwise.
 */
export function ToolPartView({
  part,
  answerEnded = false,
}: {
  part: ToolCallPart & { toolCallId?: string };
  answerEnded?: boolean;
}) {
  const card = operationCardOf(part, use(SessionOperationsContext));
  if (card !== null) return <OperationView card={card} />;
  return <ToolCallView part={part} answerEnded={answerEnded} />;
}
