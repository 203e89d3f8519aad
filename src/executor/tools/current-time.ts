import { tool } from 'ai';
import { z } from 'zod';
import { toolInput } from './tool-input.ts';

/** What the current-time tool returns to the model. */
export interface CurrentTimeOutput {
  /** The instant in UTC, ISO 8601 with milliseconds. */
  iso: string;
  /** The IANA zone the instant is shown in (`UTC` when none was asked for). */
  timeZone: string;
  /** The instant in that zone, in English, e.g. "Monday, June 2, 2025 at 2:03:05 PM GMT+2". */
  formatted: string;
}

/**
 * Builds the `current_time` tool. `now` is injectable so tests can pin the clock. The default
 * zone is UTC, never the server's own zone, so an answer does not depend on where it runs.
 */
export function createCurrentTimeTool(now: () => Date = () => new Date()) {
  return tool({
    description:
      'Get the current date and time, optionally in an IANA time zone such as "Europe/Paris" (default UTC).',
    inputSchema: toolInput(
      z.object({
        timeZone: z
          .string()
          .max(64)
          .optional()
          .describe('IANA time zone name, e.g. "America/New_York"'),
      }),
    ),
    execute: async ({ timeZone }): Promise<CurrentTimeOutput> =>
      describeInstant(now(), timeZone ?? 'UTC'),
  });
}

/** Formats `instant` in `timeZone`; throws an Error naming the zone when it is not a known IANA zone. */
export function describeInstant(instant: Date, timeZone: string): CurrentTimeOutput {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'full', timeStyle: 'long' });
  } catch {
    throw new Error(
      `unknown time zone "${timeZone}": use an IANA name such as "Europe/Paris" or "UTC"`,
    );
  }
  return {
    iso: instant.toISOString(),
    timeZone: canonicalZoneName(timeZone),
    formatted: format.format(instant),
  };
}

function canonicalZoneName(requested: string): string {
  // Not ICU's resolvedOptions(): it maps some current names to legacy ones (Asia/Kolkata →
  // Asia/Calcutta). Fix only the case, from ICU's list, and otherwise keep what was asked for.
  const lowered = requested.toLowerCase();
  return (
    Intl.supportedValuesOf('timeZone').find((zone) => zone.toLowerCase() === lowered) ?? requested
  );
}
