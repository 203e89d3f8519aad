import { useId } from 'react';
import { UserWordsView } from '../parts/message-part-view.tsx';
import type { PendingFollowUp } from './pending-follow-ups.ts';

/**
 * A follow-up the answer has not taken yet: the user's message as sent, muted and marked as
 * waiting. It leaves the conversation when it lands (in the answer, or as the next question).
 */
export function PendingFollowUpView({ followUp }: { followUp: PendingFollowUp }) {
  const headingId = useId();
  const markerId = useId();
  return (
    <article
      className="message message-user message-pending"
      data-testid="pending-follow-up"
      data-message-id={followUp.id}
      aria-labelledby={headingId}
      aria-describedby={markerId}
    >
      <h2 id={headingId} className="visually-hidden">
        You
      </h2>
      <div className="message-body">
        <UserWordsView parts={followUp.parts} textTestId="message-text" />
      </div>
      <div className="pending-marker" id={markerId} data-testid="pending-marker">
        Waiting for the answer to take it in
      </div>
    </article>
  );
}
