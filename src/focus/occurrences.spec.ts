import { DateTime } from 'luxon';
import { occurrences } from './focus.service';

describe('occurrences of a recurring focus rule', () => {
  it('gives weekdays only, at the local start in the rule’s zone, across a DST change', () => {
    // Friday 2026-10-23, 17:00 in Paris; the clocks go back on Sunday 25 October.
    const now = DateTime.fromISO('2026-10-23T17:00', { zone: 'Europe/Paris' }).toJSDate();
    const starts = occurrences(
      { rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', localStart: '09:00', timeZone: 'Europe/Paris' },
      now,
      7,
    );
    const local = starts.map((d) => DateTime.fromJSDate(d, { zone: 'Europe/Paris' }));
    expect(local.map((d) => d.toFormat('ccc HH:mm'))).toEqual([
      'Mon 09:00',
      'Tue 09:00',
      'Wed 09:00',
      'Thu 09:00',
      'Fri 09:00',
    ]);
    // 09:00 Paris is 07:00Z before the change and 08:00Z after it.
    expect(starts[0].toISOString()).toBe('2026-10-26T08:00:00.000Z');
  });

  it('includes today when the start is still ahead, and every day for FREQ=DAILY', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    const starts = occurrences(
      { rrule: 'FREQ=DAILY', localStart: '13:00', timeZone: 'UTC' },
      now,
      2,
    );
    expect(starts.map((d) => d.toISOString())).toEqual([
      '2026-11-25T13:00:00.000Z',
      '2026-11-26T13:00:00.000Z',
      '2026-11-27T13:00:00.000Z',
    ]);
  });
});
