import { isToolUIPart, type UIMessage } from 'ai';

/** A user's answer to one `tool-approval-request` (what `addToolApprovalResponse` records). */
export interface ApprovalResponse {
  approvalId: string;
  approved: boolean;
  /** Why, in the user's words; the model reads it with a denial. */
  reason?: string;
}

/**
 * What answering approvals of a stored assistant message amounts to:
 * - `answered`: every response names a tool call awaiting approval, and together they answer
 *   all of the message's pending approvals; `message` is the message with those tool parts in
 *   state `approval-responded` (what the client holds once it answered).
 * - `answered-before`: every response was already given, with the same decision (a retry).
 * - `not-pending`: a response names no approval of the message, contradicts an earlier answer,
 *   or leaves another approval of the message unanswered; `reason` says which.
 */
export type ApprovalOutcome =
  | { type: 'answered'; message: UIMessage }
  | { type: 'answered-before' }
  | { type: 'not-pending'; reason: string };

/**
 * Applies approval responses to the stored message they answer. Only the decisions come from the
 * client: the tool calls, their inputs and everything else are the stored message's. A tool part
 * answered once is never answered again, so an approval cannot run its tool twice.
 */
export function answerApprovals(
  message: UIMessage,
  responses: readonly ApprovalResponse[],
): ApprovalOutcome {
  const decisions = new Map(responses.map((response) => [response.approvalId, response]));
  let pending = 0;
  let answeredBefore = 0;
  for (const part of message.parts) {
    if (!isToolUIPart(part) || part.approval === undefined) continue;
    const response = decisions.get(part.approval.id);
    if (response === undefined) {
      if (part.state === 'approval-requested') {
        return {
          type: 'not-pending',
          reason: 'Answer every approval the message asks for at once.',
        };
      }
      continue;
    }
    if (part.state === 'approval-requested') pending += 1;
    else if (part.approval.approved === response.approved) answeredBefore += 1;
    else return { type: 'not-pending', reason: 'That approval was already answered otherwise.' };
  }
  if (answeredBefore === decisions.size) return { type: 'answered-before' };
  if (pending !== decisions.size) {
    return {
      type: 'not-pending',
      reason: 'An approval named is not awaiting an answer in that message.',
    };
  }
  return {
    type: 'answered',
    message: {
      ...message,
      parts: message.parts.map((part) => {
        if (!isToolUIPart(part) || part.state !== 'approval-requested') return part;
        const response = decisions.get(part.approval.id);
        if (response === undefined) return part;
        return {
          ...part,
          state: 'approval-responded',
          approval: {
            ...part.approval,
            approved: response.approved,
            ...(response.reason === undefined ? {} : { reason: response.reason }),
          },
        };
      }),
    },
  };
}

/** Whether any tool call of the message waits for the user's approval. */
export function awaitsApproval(message: UIMessage): boolean {
  return message.parts.some((part) => isToolUIPart(part) && part.state === 'approval-requested');
}
