import { modelFailureOf } from './turn-outcomes.ts';

/**
 * What a user sees when a turn fails. The real error (which may carry provider details, keys or
 * internal hosts) is logged in full for operators and never sent to the browser.
 */
export function publicErrorText(thrown: unknown): string {
  return modelFailureOf(thrown).publicErrorText;
}
