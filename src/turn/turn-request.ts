import { createHash } from 'node:crypto';
import type { UIMessage } from 'ai';
import type { ApprovalResponse } from '../protocol/tool-approvals.ts';

/**
 * What a request to start a turn asks for:
 * - `message`: answer a new message (stored with the turn).
 * - `regenerate`: answer again the message that `messageId` answered (an answer's id), or that
 *   message itself (a question's id), or with null the session's last question; the answer it
 *   replaces, and everything after it, is removed. `sendIfMissing` is the client's copy of the
 *   question `messageId` names: when the server never stored it (its send failed before it
 *   arrived), it is answered as a new message instead.
 * - `edit`: rewrite a stored question (`message.id`) with `message`'s parts, remove everything
 *   after it, and answer it.
 * - `approval`: the user's answers to the tool approvals the stored assistant message
 *   `assistantMessageId` asks for; the turn runs the approved tools and continues that message.
 */
export type TurnRequest =
  | { type: 'message'; message: UIMessage }
  | { type: 'regenerate'; messageId: string | null; sendIfMissing?: UIMessage }
  | { type: 'edit'; message: UIMessage }
  | { type: 'approval'; assistantMessageId: string; responses: ApprovalResponse[] };

/**
 * What tells a retry of a request from another request while the turn it started is active
 * (`OpenTurnInput.requestKey`). Message ids never contain `:`, so the keys of regenerates and
 * edits never equal a message id. An edit is keyed by its text too: a different edit of the same
 * message is another request (refused while the turn runs), the same one a retry. Approvals are
 * keyed by their decisions: the same answers again re-attach, others are refused.
 */
export function requestKeyOf(request: TurnRequest): string {
  switch (request.type) {
    case 'message':
      return request.message.id;
    case 'regenerate':
      return `regenerate:${request.messageId ?? ''}`;
    case 'edit': {
      const digest = createHash('sha256').update(JSON.stringify(request.message.parts));
      return `edit:${request.message.id}:${digest.digest('base64url')}`;
    }
    case 'approval': {
      const decisions = request.responses
        .map((response) => `${response.approvalId}=${response.approved ? 1 : 0}`)
        .sort();
      return `approval:${request.assistantMessageId}:${decisions.join(',')}`;
    }
  }
}
