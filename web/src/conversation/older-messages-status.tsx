import { TypingDots } from './working-indicator.tsx';
import type { OlderMessages } from './use-older-messages.ts';

/**
 * The top of a conversation whose older messages are not loaded yet. Scrolling up loads them;
 * the button is for keyboards, screen readers and a load that failed.
 */
export function OlderMessagesStatus({ hasMore, loading, failed, loadOlder }: OlderMessages) {
  if (!hasMore) return null;
  return (
    <div className="older-messages" data-testid="older-messages" aria-live="polite">
      {loading ? (
        <span className="older-messages-loading">
          <TypingDots /> Loading earlier messages…
        </span>
      ) : (
        <>
          {failed && (
            <span className="older-messages-failed">Earlier messages could not be loaded.</span>
          )}
          <button type="button" className="button button-quiet" onClick={loadOlder}>
            {failed ? 'Try again' : 'Load earlier messages'}
          </button>
        </>
      )}
    </div>
  );
}
