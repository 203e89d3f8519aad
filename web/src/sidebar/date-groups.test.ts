import { afterEach, describe, expect, it } from 'vitest';
import { dateGroupLabel, groupByDate } from './date-groups.ts';

// Local times: the groups follow the user's calendar, whatever the time zone.
const now = new Date(2026, 4, 20, 9, 30); // Wednesday 20 May 2026, 09:30
const at = (month: number, day: number, hour = 12, year = 2026) =>
  new Date(year, month - 1, day, hour);

describe('dateGroupLabel', () => {
  it('says Today from local midnight on, and for times ahead of this clock', () => {
    expect(dateGroupLabel(at(5, 20, 0), now)).toBe('Today');
    expect(dateGroupLabel(at(5, 20, 23), now)).toBe('Today');
    expect(dateGroupLabel(at(5, 21, 1), now)).toBe('Today');
  });

  it('says Yesterday for the previous calendar day, even a minute before midnight', () => {
    expect(dateGroupLabel(new Date(2026, 4, 19, 23, 59), now)).toBe('Yesterday');
    expect(dateGroupLabel(at(5, 19, 0), now)).toBe('Yesterday');
  });

  it('says Previous 7 days, then Previous 30 days, by calendar day', () => {
    expect(dateGroupLabel(new Date(2026, 4, 18, 23, 59), now)).toBe('Previous 7 days');
    expect(dateGroupLabel(at(5, 13, 0), now)).toBe('Previous 7 days');
    expect(dateGroupLabel(new Date(2026, 4, 12, 23, 59), now)).toBe('Previous 30 days');
    expect(dateGroupLabel(at(4, 20, 0), now)).toBe('Previous 30 days');
  });

  it('names the month beyond 30 days, with the year when it is not this one', () => {
    expect(dateGroupLabel(new Date(2026, 3, 19, 23, 59), now)).toBe('April');
    expect(dateGroupLabel(at(1, 2), now)).toBe('January');
    expect(dateGroupLabel(at(12, 31, 12, 2025), now)).toBe('December 2025');
  });

  describe('in a time zone far from UTC', () => {
    const zone = process.env.TZ;
    afterEach(() => {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    });

    it('follows the local calendar, not the UTC one', () => {
      process.env.TZ = 'Pacific/Kiritimati'; // UTC+14
      const localMorning = new Date('2026-05-19T20:00:00Z'); // 20 May, 10:00 there
      // 19 May in UTC, but already 20 May (02:00) on the user's calendar.
      expect(dateGroupLabel(new Date('2026-05-19T12:00:00Z'), localMorning)).toBe('Today');
      expect(dateGroupLabel(new Date('2026-05-19T09:00:00Z'), localMorning)).toBe('Yesterday');
    });
  });

  it('puts an unreadable date in Older rather than failing', () => {
    expect(dateGroupLabel(new Date('not a date'), now)).toBe('Older');
  });
});

describe('groupByDate', () => {
  it('keeps the order of the chats and names each group once', () => {
    const chats = [
      { id: 'a', updated_at: at(5, 20, 8).toISOString() },
      { id: 'b', updated_at: at(5, 20, 7).toISOString() },
      { id: 'c', updated_at: at(5, 19).toISOString() },
      { id: 'd', updated_at: at(5, 15).toISOString() },
      { id: 'e', updated_at: at(5, 1).toISOString() },
      { id: 'f', updated_at: at(3, 3).toISOString() },
      { id: 'g', updated_at: at(3, 2).toISOString() },
      { id: 'h', updated_at: at(6, 30, 12, 2025).toISOString() },
    ];
    const groups = groupByDate(chats, (chat) => chat.updated_at, now);
    expect(groups.map((group) => [group.label, group.items.map((chat) => chat.id)])).toEqual([
      ['Today', ['a', 'b']],
      ['Yesterday', ['c']],
      ['Previous 7 days', ['d']],
      ['Previous 30 days', ['e']],
      ['March', ['f', 'g']],
      ['June 2025', ['h']],
    ]);
  });

  it('returns no groups for no chats', () => {
    expect(groupByDate([], () => '', now)).toEqual([]);
  });
});
