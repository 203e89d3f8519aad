import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CurrentTimeOutput, createCurrentTimeTool, describeInstant } from './current-time.ts';

const pinnedInstant = new Date('2025-06-02T12:03:05.123Z');

/** Calls the tool the way the AI SDK does and returns its single (non-streamed) output. */
async function execute(now: () => Date, input: { timeZone?: string }): Promise<CurrentTimeOutput> {
  const output = await createCurrentTimeTool(now).execute?.(input, {
    toolCallId: 'call-1',
    messages: [],
    context: {},
  });
  assert.ok(
    output !== undefined && !(Symbol.asyncIterator in output),
    'the tool returns one output',
  );
  return output;
}

describe('current_time tool', () => {
  it('reports the injected clock in UTC when no zone is asked for', async () => {
    assert.deepEqual(await execute(() => pinnedInstant, {}), {
      iso: '2025-06-02T12:03:05.123Z',
      timeZone: 'UTC',
      formatted: 'Monday, June 2, 2025 at 12:03:05 PM UTC',
    });
  });

  it('shows the instant in the requested IANA zone', async () => {
    const output = await execute(() => pinnedInstant, { timeZone: 'Europe/Paris' });
    assert.equal(output.iso, '2025-06-02T12:03:05.123Z');
    assert.equal(output.timeZone, 'Europe/Paris');
    assert.match(output.formatted, /^Monday, June 2, 2025 at 2:03:05\sPM GMT\+2$/);
  });

  it('reads the clock on every call, not once', async () => {
    let now = pinnedInstant;
    const currentTime = createCurrentTimeTool(() => now);
    const options = { toolCallId: 'call-1', messages: [], context: {} };
    const first = await currentTime.execute?.({}, options);
    now = new Date(pinnedInstant.getTime() + 60_000);
    const second = await currentTime.execute?.({}, options);
    assert.equal((first as CurrentTimeOutput).iso, '2025-06-02T12:03:05.123Z');
    assert.equal((second as CurrentTimeOutput).iso, '2025-06-02T12:04:05.123Z');
  });

  it('rejects an unknown zone with an error naming it', async () => {
    await assert.rejects(
      execute(() => pinnedInstant, { timeZone: 'Mars/Olympus_Mons' }),
      {
        message:
          'unknown time zone "Mars/Olympus_Mons": use an IANA name such as "Europe/Paris" or "UTC"',
      },
    );
  });
});

describe('describeInstant', () => {
  it('crosses the date line with the zone offset', () => {
    const output = describeInstant(new Date('2025-12-31T23:30:00Z'), 'Asia/Tokyo');
    assert.match(output.formatted, /^Thursday, January 1, 2026 at 8:30:00\sAM GMT\+9$/);
  });

  it('keeps the listed spelling of a zone, whatever the case it was asked in', () => {
    assert.equal(describeInstant(pinnedInstant, 'europe/paris').timeZone, 'Europe/Paris');
    assert.equal(describeInstant(pinnedInstant, 'Asia/Kolkata').timeZone, 'Asia/Kolkata');
    assert.match(
      describeInstant(pinnedInstant, 'Asia/Kolkata').formatted,
      /5:33:05\sPM GMT\+5:30$/,
    );
  });
});
