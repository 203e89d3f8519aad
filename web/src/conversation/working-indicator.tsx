import './conversation.css';

/**
 * Shows that an answer is being worked on before (or between) its words: animated dots for the
 * eye, a status that screen readers announce. With reduced motion the dots hold still and the
 * label alone says it.
 */
export function WorkingIndicator() {
  return (
    <div className="working-indicator" data-testid="working-indicator" role="status">
      <TypingDots />
      <span className="working-label">Working…</span>
    </div>
  );
}

export function TypingDots() {
  return (
    <span className="typing-dots" aria-hidden="true">
      <span />
      <span />
      <span />
    </span>
  );
}
