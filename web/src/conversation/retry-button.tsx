/**
 * Retry in a chat-wide error notice (the answer never started: the request was refused or the
 * connection failed). It answers the last message again, or sends it if it never arrived.
 */
export function RetryButton({ onRetry }: { onRetry: () => void }) {
  return (
    <button
      type="button"
      className="link-button notice-action"
      data-testid="retry-after-error"
      onClick={onRetry}
    >
      Retry
    </button>
  );
}
