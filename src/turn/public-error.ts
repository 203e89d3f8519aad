import { APICallError, RetryError } from 'ai';

/**
 * What a user sees when a turn fails. The real error (which may carry provider details, keys or
 * internal hosts) is logged in full for operators and never sent to the browser.
 */
export function publicErrorText(thrown: unknown): string {
  // After retries the SDK wraps the provider's error; the last attempt is what failed.
  const error = RetryError.isInstance(thrown) ? thrown.lastError : thrown;
  if (APICallError.isInstance(error) && error.isRetryable) {
    return 'The model is temporarily unavailable. Please try again.';
  }
  if (
    error instanceof Error &&
    /timeout|timed out|reset|ECONNRESET|interrupted/i.test(error.message)
  ) {
    return 'The connection to the model was interrupted. Please try again.';
  }
  return 'Something went wrong while generating the answer. Please try again.';
}
