import type { ReactNode } from 'react';

/**
 * A message the user sent while this answer was written, shown where the model received it:
 * a small bubble of the user's words inside the answer, so what follows reads as the reply to it.
 * `children` are its parts (text, files), rendered by the caller.
 */
export function SteeringMessageView({ id, children }: { id: string; children: ReactNode }) {
  return (
    <div
      role="note"
      className="steering-message"
      data-testid="steering-message"
      data-message-id={id}
      aria-label="Your follow-up"
    >
      <div className="steering-message-body">{children}</div>
    </div>
  );
}
