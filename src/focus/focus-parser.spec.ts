import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { RRule } from 'rrule';
import {
  FOCUS_ERRORS,
  parseFocusCommand,
  type FocusCommand,
  type FocusParseResult,
} from './focus-parser';

// The contract's example line, spelled out here rather than imported so a change to it shows.
const EXAMPLE =
  '/focus 45m deep work · /focus 14:00-15:30 · /focus tomorrow 9:00 2h · /focus weekdays 9:00-10:00 · /focus off';

const ZONES = [
  'UTC',
  'Europe/Paris',
  'America/Los_Angeles',
  'America/New_York',
  'Asia/Kolkata',
  'Pacific/Auckland',
  'America/St_Johns',
] as const;

const MINUTE = 60_000;

// Wed 2026-06-10 12:00Z = 12:00 UTC, 14:00 Paris (+2), 05:00 Los Angeles (-7), 17:30 Kolkata (+5:30).
const JUNE = '2026-06-10T12:00:00Z';
// Wed 2026-11-18 12:00Z = 08:30 St John's (-3:30), Thu 2026-11-19 01:00 Auckland (+13).
const NOV = '2026-11-18T12:00:00Z';

function parse(text: string, now: string, zone: string): FocusParseResult {
  return parseFocusCommand(text, new Date(now), zone);
}

function command(text: string, now: string, zone: string): FocusCommand {
  const result = parse(text, now, zone);
  if (!result.ok) throw new Error(`expected ${JSON.stringify(text)} to parse: ${result.error}`);
  return result.command;
}

function blockOf(text: string, now: string, zone: string) {
  const cmd = command(text, now, zone);
  if (cmd.kind !== 'block') throw new Error(`expected a block, got ${cmd.kind}`);
  return { start: cmd.start.toISOString(), end: cmd.end.toISOString(), note: cmd.note };
}

function recurringOf(text: string, now: string, zone: string) {
  const cmd = command(text, now, zone);
  if (cmd.kind !== 'recurring') throw new Error(`expected a recurring rule, got ${cmd.kind}`);
  return cmd;
}

const iso = (s: string) => new Date(s).toISOString();
const wall = (d: Date, zone: string) => DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');

describe('parseFocusCommand: status and off', () => {
  it.each(['', '   ', '\n', '/focus'])('%j is a status request', (text) => {
    expect(parse(text, JUNE, 'UTC')).toEqual({ ok: true, command: { kind: 'status' } });
  });

  it.each(['off', 'OFF', ' stop ', 'end', 'End now', '/focus off'])('%j ends focus', (text) => {
    expect(parse(text, JUNE, 'UTC')).toEqual({ ok: true, command: { kind: 'off' } });
  });
});

describe('parseFocusCommand: the note', () => {
  it('keeps a note of 200 characters, emoji counted as one', () => {
    const note = '🎧'.repeat(200);
    const res = parse(`45m ${note}`, JUNE, 'UTC');
    expect(res.ok && res.command.kind === 'block' && res.command.note).toBe(note);
  });

  it('refuses a longer note with the one-line explanation and an example', () => {
    const res = parse(`45m ${'x'.repeat(250)}`, JUNE, 'UTC');
    expect(res).toEqual({
      ok: false,
      error: FOCUS_ERRORS.noteTooLong,
      example: expect.any(String),
    });
  });
});

describe('parseFocusCommand: one-off blocks', () => {
  // [input, zone, now, start, end, note]
  const rows: Array<[string, string, string, string, string, string | null]> = [
    // durations from now
    ['45m', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T12:45Z', null],
    ['90m', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:30Z', null],
    ['1h', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:00Z', null],
    ['1h30m', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:30Z', null],
    ['1h 30m', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:30Z', null],
    ['1h30', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:30Z', null],
    ['1.5h', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:30Z', null],
    ['1,5h', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:30Z', null],
    ['2 h', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T14:00Z', null],
    ['30 min', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T12:30Z', null],
    ['45 minutes', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T12:45Z', null],
    ['1 hour 15 minutes', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:15Z', null],
    ['for 2hrs', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T14:00Z', null],
    ['5m', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T12:05Z', null],
    ['12h', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-11T00:00Z', null],
    ['45m deep work', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T12:45Z', 'deep work'],
    ['  45M   Deep \t Work ', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T12:45Z', 'Deep Work'],
    ['45m - Q3 roadmap', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T12:45Z', 'Q3 roadmap'],
    ['/focus 45m x', 'UTC', JUNE, '2026-06-10T12:00Z', '2026-06-10T12:45Z', 'x'],
    ['90m', 'Asia/Kolkata', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:30Z', null],
    ['45m', 'Pacific/Auckland', NOV, '2026-11-18T12:00Z', '2026-11-18T12:45Z', null],
    // ranges today; Paris is at 14:00 local
    [
      '15:00-16:30 Planning',
      'Europe/Paris',
      JUNE,
      '2026-06-10T13:00Z',
      '2026-06-10T14:30Z',
      'Planning',
    ],
    ['15:00 - 16:30', 'Europe/Paris', JUNE, '2026-06-10T13:00Z', '2026-06-10T14:30Z', null],
    ['15:00 \u2013 16:30', 'Europe/Paris', JUNE, '2026-06-10T13:00Z', '2026-06-10T14:30Z', null],
    ['15:00 to 16:30', 'Europe/Paris', JUNE, '2026-06-10T13:00Z', '2026-06-10T14:30Z', null],
    ['3pm-4:30pm', 'Europe/Paris', JUNE, '2026-06-10T13:00Z', '2026-06-10T14:30Z', null],
    ['3 PM - 4:30 p.m.', 'Europe/Paris', JUNE, '2026-06-10T13:00Z', '2026-06-10T14:30Z', null],
    ['3-4:30pm', 'Europe/Paris', JUNE, '2026-06-10T13:00Z', '2026-06-10T14:30Z', null],
    ['15h00-16h30', 'Europe/Paris', JUNE, '2026-06-10T13:00Z', '2026-06-10T14:30Z', null],
    ['14:00-15:30', 'Europe/Paris', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:30Z', null],
    // already running: starts now
    ['13:00-15:00', 'Europe/Paris', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:00Z', null],
    ['22:00-24:00', 'Europe/Paris', JUNE, '2026-06-10T20:00Z', '2026-06-10T22:00Z', null],
    ['22:00-00:00', 'Europe/Paris', JUNE, '2026-06-10T20:00Z', '2026-06-10T22:00Z', null],
    ['10pm-12', 'Europe/Paris', JUNE, '2026-06-10T20:00Z', '2026-06-10T22:00Z', null],
    ['16:00 45m', 'Europe/Paris', JUNE, '2026-06-10T14:00Z', '2026-06-10T14:45Z', null],
    // Los Angeles is at 05:00 local
    ['9-10', 'America/Los_Angeles', JUNE, '2026-06-10T16:00Z', '2026-06-10T17:00Z', null],
    ['11-1pm', 'America/Los_Angeles', JUNE, '2026-06-10T18:00Z', '2026-06-10T20:00Z', null],
    ['from 9 to noon', 'America/Los_Angeles', JUNE, '2026-06-10T16:00Z', '2026-06-10T19:00Z', null],
    ['until 3pm', 'America/Los_Angeles', JUNE, '2026-06-10T12:00Z', '2026-06-10T22:00Z', null],
    [
      'tomorrow 9:00 2h',
      'America/Los_Angeles',
      JUNE,
      '2026-06-11T16:00Z',
      '2026-06-11T18:00Z',
      null,
    ],
    [
      'tomorrow 9:00-11:00',
      'America/Los_Angeles',
      JUNE,
      '2026-06-11T16:00Z',
      '2026-06-11T18:00Z',
      null,
    ],
    [
      'Tomorrow at 9 for 2h',
      'America/Los_Angeles',
      JUNE,
      '2026-06-11T16:00Z',
      '2026-06-11T18:00Z',
      null,
    ],
    // Kolkata is at 17:30 local, Wednesday
    ['18:00-19:15 calls', 'Asia/Kolkata', JUNE, '2026-06-10T12:30Z', '2026-06-10T13:45Z', 'calls'],
    ['today 19:00 30m', 'Asia/Kolkata', JUNE, '2026-06-10T13:30Z', '2026-06-10T14:00Z', null],
    ['monday 9:00 1h', 'Asia/Kolkata', JUNE, '2026-06-15T03:30Z', '2026-06-15T04:30Z', null],
    ['wednesday 18:00 1h', 'Asia/Kolkata', JUNE, '2026-06-10T12:30Z', '2026-06-10T13:30Z', null],
    // today is Wednesday but 17:00 has passed: next week
    ['wed 17:00 1h', 'Asia/Kolkata', JUNE, '2026-06-17T11:30Z', '2026-06-17T12:30Z', null],
    ['on friday 9.30-11', 'Asia/Kolkata', JUNE, '2026-06-12T04:00Z', '2026-06-12T05:30Z', null],
    // St John's is at 08:30 local (-3:30)
    ['9-10', 'America/St_Johns', NOV, '2026-11-18T12:30Z', '2026-11-18T13:30Z', null],
    ['10:15-11:45', 'America/St_Johns', NOV, '2026-11-18T13:45Z', '2026-11-18T15:15Z', null],
    ['tomorrow 8:30 1h', 'America/St_Johns', NOV, '2026-11-19T12:00Z', '2026-11-19T13:00Z', null],
    // Auckland is at Thursday 01:00 local (+13)
    ['9:00-17:00', 'Pacific/Auckland', NOV, '2026-11-18T20:00Z', '2026-11-19T04:00Z', null],
    ['tomorrow 9:00 2h', 'Pacific/Auckland', NOV, '2026-11-19T20:00Z', '2026-11-19T22:00Z', null],
    ['thursday 9:00 1h', 'Pacific/Auckland', NOV, '2026-11-18T20:00Z', '2026-11-18T21:00Z', null],
    ['wednesday 9:00 1h', 'Pacific/Auckland', NOV, '2026-11-24T20:00Z', '2026-11-24T21:00Z', null],
    // unknown or empty zone: UTC
    ['14:00-15:00', 'Mars/Olympus', JUNE, '2026-06-10T14:00Z', '2026-06-10T15:00Z', null],
    ['14:00-15:00', '', JUNE, '2026-06-10T14:00Z', '2026-06-10T15:00Z', null],
    ['14:00-15:00', 'europe/paris', JUNE, '2026-06-10T12:00Z', '2026-06-10T13:00Z', null],
  ];

  it.each(rows)('%j in %s at %s', (text, zone, now, start, end, note) => {
    expect(blockOf(text, now, zone)).toEqual({ start: iso(start), end: iso(end), note });
  });
});

describe('parseFocusCommand: daylight-saving days', () => {
  describe('Europe/Paris, spring forward on 2026-03-29 (02:00 CET → 03:00 CEST)', () => {
    const zone = 'Europe/Paris';
    const midnight = '2026-03-28T23:00:00Z'; // 00:00 CET on the 29th

    it('reads 9:00-10:00 in summer time', () => {
      expect(blockOf('9:00-10:00', midnight, zone)).toMatchObject({
        start: iso('2026-03-29T07:00Z'),
        end: iso('2026-03-29T08:00Z'),
      });
    });

    it('a range across the change lasts the real elapsed time (01:00-04:00 is 2 hours)', () => {
      expect(blockOf('1:00-4:00', midnight, zone)).toMatchObject({
        start: iso('2026-03-29T00:00Z'),
        end: iso('2026-03-29T02:00Z'),
      });
    });

    it('moves a nonexistent 02:30 forward by the gap, to 03:30 CEST', () => {
      const cmd = command('02:30 1h', midnight, zone);
      expect(cmd).toMatchObject({
        start: new Date('2026-03-29T01:30Z'),
        end: new Date('2026-03-29T02:30Z'),
      });
      if (cmd.kind === 'block') expect(wall(cmd.start, zone)).toBe('03:30');
    });

    it('refuses a range that the gap swallows (02:30-03:00)', () => {
      expect(parse('02:30-03:00', midnight, zone)).toEqual({
        ok: false,
        error: FOCUS_ERRORS.dstGap,
        example: EXAMPLE,
      });
    });

    it('1h from 01:30 CET ends at 03:30 CEST, one real hour later', () => {
      const cmd = command('1h', '2026-03-29T00:30:00Z', zone);
      expect(cmd).toMatchObject({
        start: new Date('2026-03-29T00:30Z'),
        end: new Date('2026-03-29T01:30Z'),
      });
      if (cmd.kind === 'block') expect(wall(cmd.end, zone)).toBe('03:30');
    });
  });

  describe('Europe/Paris, fall back on 2026-10-25 (03:00 CEST → 02:00 CET)', () => {
    const zone = 'Europe/Paris';
    const midnight = '2026-10-24T22:00:00Z'; // 00:00 CEST on the 25th

    it('reads 9:00-10:00 in winter time', () => {
      expect(blockOf('9:00-10:00', midnight, zone)).toMatchObject({
        start: iso('2026-10-25T08:00Z'),
        end: iso('2026-10-25T09:00Z'),
      });
    });

    it('takes the earlier of the two 02:30s (CEST)', () => {
      expect(blockOf('2:30 30m', midnight, zone)).toMatchObject({
        start: iso('2026-10-25T00:30Z'),
        end: iso('2026-10-25T01:00Z'),
      });
    });

    it('a range across the change lasts the real elapsed time (01:00-04:00 is 4 hours)', () => {
      expect(blockOf('1:00-4:00', midnight, zone)).toMatchObject({
        start: iso('2026-10-24T23:00Z'),
        end: iso('2026-10-25T03:00Z'),
      });
    });

    it('1h from 02:30 CEST ends at 02:30 CET, one real hour later', () => {
      const cmd = command('1h', '2026-10-25T00:30:00Z', zone);
      expect(cmd).toMatchObject({
        start: new Date('2026-10-25T00:30Z'),
        end: new Date('2026-10-25T01:30Z'),
      });
      if (cmd.kind === 'block') expect(wall(cmd.end, zone)).toBe('02:30');
    });
  });

  describe('America/New_York, spring forward on 2026-03-08 (02:00 EST → 03:00 EDT)', () => {
    const zone = 'America/New_York';
    const midnight = '2026-03-08T05:00:00Z'; // 00:00 EST

    it('reads 9:00-10:00 in daylight time', () => {
      expect(blockOf('9:00-10:00', midnight, zone)).toMatchObject({
        start: iso('2026-03-08T13:00Z'),
        end: iso('2026-03-08T14:00Z'),
      });
    });

    it('moves a nonexistent 02:30 to 03:30 EDT; 01:00-04:00 lasts 2 hours', () => {
      expect(blockOf('2:30 1h', midnight, zone)).toMatchObject({
        start: iso('2026-03-08T07:30Z'),
        end: iso('2026-03-08T08:30Z'),
      });
      expect(blockOf('1:00-4:00', midnight, zone)).toMatchObject({
        start: iso('2026-03-08T06:00Z'),
        end: iso('2026-03-08T08:00Z'),
      });
    });

    it('1h from 01:30 EST ends at 03:30 EDT', () => {
      const cmd = command('1h', '2026-03-08T06:30:00Z', zone);
      expect(cmd).toMatchObject({ end: new Date('2026-03-08T07:30Z') });
      if (cmd.kind === 'block') expect(wall(cmd.end, zone)).toBe('03:30');
    });
  });

  describe('America/New_York, fall back on 2026-11-01 (02:00 EDT → 01:00 EST)', () => {
    const zone = 'America/New_York';
    const midnight = '2026-11-01T04:00:00Z'; // 00:00 EDT

    it('reads 9:00-10:00 in standard time', () => {
      expect(blockOf('9:00-10:00', midnight, zone)).toMatchObject({
        start: iso('2026-11-01T14:00Z'),
        end: iso('2026-11-01T15:00Z'),
      });
    });

    it('takes the earlier 01:30 (EDT); 01:00-02:00 lasts 2 real hours', () => {
      expect(blockOf('1:30 30m', midnight, zone)).toMatchObject({
        start: iso('2026-11-01T05:30Z'),
        end: iso('2026-11-01T06:00Z'),
      });
      expect(blockOf('1:00-2:00', midnight, zone)).toMatchObject({
        start: iso('2026-11-01T05:00Z'),
        end: iso('2026-11-01T07:00Z'),
      });
    });

    it('1h from 01:30 EDT ends at 01:30 EST', () => {
      const cmd = command('1h', '2026-11-01T05:30:00Z', zone);
      expect(cmd).toMatchObject({ end: new Date('2026-11-01T06:30Z') });
      if (cmd.kind === 'block') expect(wall(cmd.end, zone)).toBe('01:30');
    });

    it('documented consequence: during the second 01:xx, "1:30" means the earlier, past one', () => {
      expect(parse('1:30 30m', '2026-11-01T06:15:00Z', zone)).toEqual({
        ok: false,
        error: FOCUS_ERRORS.passed,
        example: EXAMPLE,
      });
    });
  });

  it('Pacific/Auckland fall back on 2026-04-05: the earlier 02:30 (NZDT)', () => {
    expect(blockOf('2:30 30m', '2026-04-04T11:00:00Z', 'Pacific/Auckland')).toMatchObject({
      start: iso('2026-04-04T13:30Z'),
      end: iso('2026-04-04T14:00Z'),
    });
  });
});

/** Where the rrule library, run on floating wall times, puts the first occurrence at or after now. */
function rruleFirstWall(rrule: string, localStart: string, zone: string, now: string): string {
  const local = DateTime.fromISO(now, { zone });
  const [hour, minute] = localStart.split(':').map(Number);
  const dtstart = new Date(Date.UTC(local.year, local.month - 1, local.day, hour, minute));
  const rule = new RRule({ ...RRule.parseString(rrule), dtstart });
  const wallNow = new Date(
    Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second),
  );
  const next = rule.after(wallNow, true);
  if (!next) throw new Error('rrule found no occurrence');
  return next.toISOString().slice(0, 16);
}

describe('parseFocusCommand: recurring rules', () => {
  const FRIDAY_5PM_PARIS = '2026-06-12T15:00:00Z';
  const WEEKDAYS = 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR';
  // [input, zone, now, rrule, localStart, durationMinutes, note, firstStart, firstEnd]
  const rows: Array<
    [string, string, string, string, string, number, string | null, string, string]
  > = [
    [
      'weekdays 9:00-10:00',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      WEEKDAYS,
      '09:00',
      60,
      null,
      '2026-06-15T07:00Z',
      '2026-06-15T08:00Z',
    ],
    [
      'every weekday 9:00-10:00',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      WEEKDAYS,
      '09:00',
      60,
      null,
      '2026-06-15T07:00Z',
      '2026-06-15T08:00Z',
    ],
    [
      'Weekdays 2pm-3pm standup-free',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      WEEKDAYS,
      '14:00',
      60,
      'standup-free',
      '2026-06-15T12:00Z',
      '2026-06-15T13:00Z',
    ],
    [
      'every day 13:00 30m',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=DAILY',
      '13:00',
      30,
      null,
      '2026-06-13T11:00Z',
      '2026-06-13T11:30Z',
    ],
    [
      'daily 17:30 1h',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=DAILY',
      '17:30',
      60,
      null,
      '2026-06-12T15:30Z',
      '2026-06-12T16:30Z',
    ],
    [
      'mon,wed,fri 9:00-10:00',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=WEEKLY;BYDAY=MO,WE,FR',
      '09:00',
      60,
      null,
      '2026-06-15T07:00Z',
      '2026-06-15T08:00Z',
    ],
    [
      'tue thu 14:00 1h focus',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=WEEKLY;BYDAY=TU,TH',
      '14:00',
      60,
      'focus',
      '2026-06-16T12:00Z',
      '2026-06-16T13:00Z',
    ],
    [
      'mon, wed and fri 8:00 2h',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=WEEKLY;BYDAY=MO,WE,FR',
      '08:00',
      120,
      null,
      '2026-06-15T06:00Z',
      '2026-06-15T08:00Z',
    ],
    [
      'fri, mon 17:30-18:00',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=WEEKLY;BYDAY=MO,FR',
      '17:30',
      30,
      null,
      '2026-06-12T15:30Z',
      '2026-06-12T16:00Z',
    ],
    // at or after now: a start exactly now counts
    [
      'every friday 17:00 1h',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=WEEKLY;BYDAY=FR',
      '17:00',
      60,
      null,
      '2026-06-12T15:00Z',
      '2026-06-12T16:00Z',
    ],
    [
      'mondays 8:00 2h',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=WEEKLY;BYDAY=MO',
      '08:00',
      120,
      null,
      '2026-06-15T06:00Z',
      '2026-06-15T08:00Z',
    ],
    [
      'mon-thu 9-10',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH',
      '09:00',
      60,
      null,
      '2026-06-15T07:00Z',
      '2026-06-15T08:00Z',
    ],
    [
      'weekends 10:00 1h',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=WEEKLY;BYDAY=SA,SU',
      '10:00',
      60,
      null,
      '2026-06-13T08:00Z',
      '2026-06-13T09:00Z',
    ],
    [
      'mon tue wed thu fri sat sun 9:00 1h',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      'FREQ=DAILY',
      '09:00',
      60,
      null,
      '2026-06-13T07:00Z',
      '2026-06-13T08:00Z',
    ],
    [
      'weekdays 22:00-24:00',
      'Europe/Paris',
      FRIDAY_5PM_PARIS,
      WEEKDAYS,
      '22:00',
      120,
      null,
      '2026-06-12T20:00Z',
      '2026-06-12T22:00Z',
    ],
    // Friday 17:00 in other zones
    [
      'weekdays 9:00-10:00',
      'America/Los_Angeles',
      '2026-06-13T00:00:00Z',
      WEEKDAYS,
      '09:00',
      60,
      null,
      '2026-06-15T16:00Z',
      '2026-06-15T17:00Z',
    ],
    [
      'weekdays 9:00-10:00',
      'Asia/Kolkata',
      '2026-06-12T11:30:00Z',
      WEEKDAYS,
      '09:00',
      60,
      null,
      '2026-06-15T03:30Z',
      '2026-06-15T04:30Z',
    ],
    [
      'weekdays 9:00-10:00',
      'America/St_Johns',
      '2026-11-20T20:30:00Z',
      WEEKDAYS,
      '09:00',
      60,
      null,
      '2026-11-23T12:30Z',
      '2026-11-23T13:30Z',
    ],
    // Auckland: Thursday 01:00 local
    [
      'weekdays 9:00-10:00',
      'Pacific/Auckland',
      NOV,
      WEEKDAYS,
      '09:00',
      60,
      null,
      '2026-11-18T20:00Z',
      '2026-11-18T21:00Z',
    ],
    // unknown zone: UTC
    [
      'every day 13:00 30m',
      'Nowhere/Else',
      FRIDAY_5PM_PARIS,
      'FREQ=DAILY',
      '13:00',
      30,
      null,
      '2026-06-13T13:00Z',
      '2026-06-13T13:30Z',
    ],
  ];

  it.each(rows)(
    '%j in %s at %s',
    (text, zone, now, rrule, localStart, durationMinutes, note, firstStart, firstEnd) => {
      const cmd = recurringOf(text, now, zone);
      const effectiveZone = zone === 'Nowhere/Else' ? 'UTC' : zone;
      expect(cmd).toEqual({
        kind: 'recurring',
        rrule,
        localStart,
        durationMinutes,
        note,
        timeZone: effectiveZone,
        firstStart: new Date(firstStart),
        firstEnd: new Date(firstEnd),
      });
      // The rule means what the rrule library reads, and agrees on the first occurrence.
      expect(
        DateTime.fromJSDate(cmd.firstStart, { zone: effectiveZone }).toFormat("yyyy-MM-dd'T'HH:mm"),
      ).toBe(rruleFirstWall(rrule, localStart, effectiveZone, now));
    },
  );

  it('expands across spring forward: the Sunday occurrence is at 09:00 CEST', () => {
    // Saturday 2026-03-28 10:00 CET
    const cmd = recurringOf('every day 9:00 1h', '2026-03-28T09:00:00Z', 'Europe/Paris');
    expect(cmd.firstStart).toEqual(new Date('2026-03-29T07:00Z'));
    expect(cmd.firstEnd).toEqual(new Date('2026-03-29T08:00Z'));
  });

  it('a first occurrence in the gap moves forward like a one-off (02:30 → 03:30 CEST)', () => {
    const cmd = recurringOf('every day 2:30 30m', '2026-03-28T23:00:00Z', 'Europe/Paris');
    expect(cmd).toMatchObject({
      localStart: '02:30',
      durationMinutes: 30,
      firstStart: new Date('2026-03-29T01:30Z'),
      firstEnd: new Date('2026-03-29T02:00Z'),
    });
  });
});

describe('parseFocusCommand: errors', () => {
  const PARIS = 'Europe/Paris'; // 14:00 local at JUNE
  const long = `lunch with ${'a very long explanation '.repeat(6)}`;
  // [input, zone, now, error]
  const rows: Array<[string, string, string, string]> = [
    ['9-10', PARIS, JUNE, FOCUS_ERRORS.passed],
    ['12:00-13:59', PARIS, JUNE, FOCUS_ERRORS.passed],
    ['today 9:00 1h', PARIS, JUNE, FOCUS_ERRORS.passed],
    ['until 4am', 'America/Los_Angeles', JUNE, FOCUS_ERRORS.passed],
    ['12:00-14:03', PARIS, JUNE, FOCUS_ERRORS.almostOver],
    ['13h', 'UTC', JUNE, FOCUS_ERRORS.tooLong],
    ['721m', 'UTC', JUNE, FOCUS_ERRORS.tooLong],
    ['tomorrow 8:00-20:01', 'UTC', JUNE, FOCUS_ERRORS.tooLong],
    ['weekdays 8:00-21:00', 'UTC', JUNE, FOCUS_ERRORS.tooLong],
    ['4m', 'UTC', JUNE, FOCUS_ERRORS.tooShort],
    ['0m', 'UTC', JUNE, FOCUS_ERRORS.tooShort],
    ['tomorrow 9:00-9:03', 'UTC', JUNE, FOCUS_ERRORS.tooShort],
    ['every day 9:00 2m', 'UTC', JUNE, FOCUS_ERRORS.tooShort],
    ['15:00-14:00', 'UTC', JUNE, FOCUS_ERRORS.endBeforeStart],
    ['tomorrow 11:00-9:00', 'UTC', JUNE, FOCUS_ERRORS.endBeforeStart],
    ['23:00-01:00', 'UTC', JUNE, FOCUS_ERRORS.endBeforeStart],
    ['25:00-26:00', 'UTC', JUNE, FOCUS_ERRORS.badClock('25:00')],
    ['12:60-13:00', 'UTC', JUNE, FOCUS_ERRORS.badClock('12:60')],
    ['13pm-2pm', 'UTC', JUNE, FOCUS_ERRORS.badClock('13pm')],
    ['9:00-24:30', 'UTC', JUNE, FOCUS_ERRORS.badClock('24:30')],
    ['tomorrow 24:00 1h', 'UTC', JUNE, FOCUS_ERRORS.badClock('24:00')],
    ['25:00', 'UTC', JUNE, FOCUS_ERRORS.badClock('25:00')],
    ['tomorrow 9:00', 'UTC', JUNE, FOCUS_ERRORS.needDuration],
    ['16:00 deep work', 'UTC', JUNE, FOCUS_ERRORS.needDuration],
    ['tomorrow 2h', 'UTC', JUNE, FOCUS_ERRORS.needStart],
    ['weekdays 2h', 'UTC', JUNE, FOCUS_ERRORS.needStart],
    ['weekdays until 5pm', 'UTC', JUNE, FOCUS_ERRORS.needStart],
    ['monday', 'UTC', JUNE, FOCUS_ERRORS.needStart],
    ['banana', 'UTC', JUNE, "I couldn't read “banana” as a time."],
    ['45', 'UTC', JUNE, "I couldn't read “45” as a time."],
    ['45mdeep', 'UTC', JUNE, "I couldn't read “45mdeep” as a time."],
    ['Deep  Work\nnow', 'UTC', JUNE, "I couldn't read “Deep Work now” as a time."],
    ['sunny day 9-10', 'UTC', JUNE, "I couldn't read “sunny day 9-10” as a time."],
    [long, 'UTC', JUNE, `I couldn't read “${long.trim().slice(0, 79)}…” as a time.`],
  ];

  it.each(rows)('%j in %s at %s → %s', (text, zone, now, error) => {
    const result = parse(text, now, zone);
    expect(result).toEqual({ ok: false, error, example: EXAMPLE });
    if (!result.ok) expect(result.error).not.toMatch(/[\r\n]/);
  });

  it('reports an invalid `now` instead of throwing', () => {
    expect(parseFocusCommand('45m', new Date(Number.NaN), 'UTC')).toEqual({
      ok: false,
      error: FOCUS_ERRORS.badNow,
      example: EXAMPLE,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const zoneArb = fc.constantFrom(...ZONES);
const nowArb = fc.date({
  min: new Date('2020-01-01T00:00:00Z'),
  max: new Date('2035-12-31T23:59:59Z'),
  noInvalidDate: true,
});
// Each zone's 2026 offset changes (checked against luxon's offsets), for nows within 36 hours.
const TRANSITIONS: Array<[string, string]> = [
  ['Europe/Paris', '2026-03-29T01:00:00Z'],
  ['Europe/Paris', '2026-10-25T01:00:00Z'],
  ['America/New_York', '2026-03-08T07:00:00Z'],
  ['America/New_York', '2026-11-01T06:00:00Z'],
  ['America/Los_Angeles', '2026-03-08T10:00:00Z'],
  ['America/Los_Angeles', '2026-11-01T09:00:00Z'],
  ['Pacific/Auckland', '2026-04-04T14:00:00Z'],
  ['Pacific/Auckland', '2026-09-26T14:00:00Z'],
  ['America/St_Johns', '2026-03-08T05:30:00Z'],
  ['America/St_Johns', '2026-11-01T04:30:00Z'],
];
/** [now, zone]: anywhere in 2020–2035, or (half the time) within 36 hours of an offset change. */
const whenArb: fc.Arbitrary<[Date, string]> = fc.oneof(
  fc.tuple(nowArb, zoneArb),
  fc
    .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -36 * 60, max: 36 * 60 }))
    .map(([[zone, at], minutes]): [Date, string] => [
      new Date(Date.parse(at) + minutes * MINUTE),
      zone,
    ]),
);
const minutesArb = fc.integer({ min: 5, max: 720 });
const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const durationText = fc.constantFrom(
  (m: number) => `${m}m`,
  (m: number) => `${m} minutes`,
  (m: number) => `${Math.floor(m / 60)}h${m % 60}m`,
  (m: number) => `${Math.floor(m / 60)}h ${m % 60} min`,
  (m: number) => `${m / 60}h`,
);
const ALLOWED_RANGE_ERRORS: string[] = [
  FOCUS_ERRORS.passed,
  FOCUS_ERRORS.tooShort,
  FOCUS_ERRORS.tooLong,
  FOCUS_ERRORS.almostOver,
  FOCUS_ERRORS.endBeforeStart,
  FOCUS_ERRORS.dstGap,
];

/** No offset change within 6 hours either side of the instant. */
function steady(zone: string, at: Date): boolean {
  const z = IANAZone.create(zone);
  const t = at.getTime();
  return z.offset(t - 6 * 60 * MINUTE) === z.offset(t + 6 * 60 * MINUTE);
}

function expectValidCommand(result: FocusParseResult, now: Date): void {
  if (!result.ok) {
    expect(result.example).toBe(EXAMPLE);
    expect(result.error).not.toMatch(/[\r\n]/);
    expect(result.error.length).toBeGreaterThan(0);
    return;
  }
  const cmd = result.command;
  if (cmd.kind === 'block') {
    expect(cmd.start.getTime()).toBeGreaterThanOrEqual(now.getTime());
    expect(cmd.start.getTime()).toBeLessThan(cmd.end.getTime());
    const minutes = (cmd.end.getTime() - cmd.start.getTime()) / MINUTE;
    expect(minutes).toBeGreaterThanOrEqual(5);
    expect(minutes).toBeLessThanOrEqual(720);
  }
  if (cmd.kind === 'recurring') {
    expect(cmd.rrule).toMatch(
      /^FREQ=(DAILY|WEEKLY;BYDAY=(MO|TU|WE|TH|FR|SA|SU)(,(MO|TU|WE|TH|FR|SA|SU))*)$/,
    );
    expect(cmd.localStart).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
    expect(cmd.durationMinutes).toBeGreaterThanOrEqual(5);
    expect(cmd.durationMinutes).toBeLessThanOrEqual(720);
    expect(cmd.firstStart.getTime()).toBeGreaterThanOrEqual(now.getTime());
    expect(cmd.firstEnd.getTime() - cmd.firstStart.getTime()).toBe(cmd.durationMinutes * MINUTE);
  }
}

describe('parseFocusCommand: properties', () => {
  it('a duration of 5–720 minutes from now is exactly that long and starts now', () => {
    fc.assert(
      fc.property(whenArb, minutesArb, durationText, ([now, zone], minutes, format) => {
        const result = parseFocusCommand(`${format(minutes)} some note`, now, zone);
        expect(result).toEqual({
          ok: true,
          command: {
            kind: 'block',
            start: now,
            end: new Date(now.getTime() + minutes * MINUTE),
            note: 'some note',
          },
        });
      }),
    );
  });

  it('a range today is a valid block or one of the range errors, never anything else', () => {
    fc.assert(
      fc.property(
        whenArb,
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 0, max: 1440 }),
        ([now, zone], s, e) => {
          const result = parseFocusCommand(`${hhmm(s)}-${hhmm(e)}`, now, zone);
          expectValidCommand(result, now);
          const endMinutes = e === 0 ? 1440 : e;
          if (endMinutes <= s) {
            expect(result).toEqual({
              ok: false,
              error: FOCUS_ERRORS.endBeforeStart,
              example: EXAMPLE,
            });
            return;
          }
          if (!result.ok) {
            expect(ALLOWED_RANGE_ERRORS).toContain(result.error);
            return;
          }
          if (result.command.kind !== 'block') throw new Error('expected a block');
          const { start, end } = result.command;
          if (steady(zone, end)) expect(wall(end, zone)).toBe(hhmm(endMinutes % 1440));
          if (start.getTime() !== now.getTime() && steady(zone, start)) {
            expect(wall(start, zone)).toBe(hhmm(s));
            if (steady(zone, end)) {
              expect((end.getTime() - start.getTime()) / MINUTE).toBe(endMinutes - s);
            }
          }
        },
      ),
    );
  });

  it('tomorrow or a weekday with a start and 5–720 minutes is a future block of that length', () => {
    const dayArb = fc.constantFrom(
      'tomorrow',
      'monday',
      'tue',
      'Wednesday',
      'thu',
      'fri',
      'sat',
      'sunday',
    );
    fc.assert(
      fc.property(
        whenArb,
        dayArb,
        fc.integer({ min: 0, max: 1439 }),
        minutesArb,
        durationText,
        ([now, zone], day, s, minutes, format) => {
          const result = parseFocusCommand(`${day} ${hhmm(s)} ${format(minutes)}`, now, zone);
          if (!result.ok || result.command.kind !== 'block') {
            throw new Error(`expected a block: ${JSON.stringify(result)}`);
          }
          const { start, end } = result.command;
          expect(start.getTime()).toBeGreaterThan(now.getTime());
          expect(start.getTime()).toBeLessThan(now.getTime() + 8 * 24 * 60 * MINUTE);
          expect(end.getTime() - start.getTime()).toBe(minutes * MINUTE);
        },
      ),
    );
  });

  it('a recurring rule starts its first occurrence on a listed day, at or after now, within a week', () => {
    const NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    const CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
    fc.assert(
      fc.property(
        whenArb,
        fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 2, maxLength: 7 }),
        fc.integer({ min: 0, max: 1439 }),
        minutesArb,
        ([now, zone], days, s, minutes) => {
          const text = `${days.map((d) => NAMES[d]).join(',')} ${hhmm(s)} ${minutes}m`;
          const result = parseFocusCommand(text, now, zone);
          if (!result.ok || result.command.kind !== 'recurring') {
            throw new Error(`expected a rule: ${JSON.stringify(result)}`);
          }
          const cmd = result.command;
          expectValidCommand(result, now);
          const sorted = [...days].sort((a, b) => a - b);
          expect(cmd.rrule).toBe(
            days.length === 7
              ? 'FREQ=DAILY'
              : `FREQ=WEEKLY;BYDAY=${sorted.map((d) => CODES[d]).join(',')}`,
          );
          expect(cmd).toMatchObject({
            localStart: hhmm(s),
            durationMinutes: minutes,
            timeZone: zone,
          });
          expect(cmd.firstStart.getTime()).toBeLessThan(now.getTime() + 8 * 24 * 60 * MINUTE);
          const local = DateTime.fromJSDate(cmd.firstStart, { zone });
          expect(days).toContain(local.weekday - 1);
          if (steady(zone, cmd.firstStart)) expect(local.toFormat('HH:mm')).toBe(hhmm(s));
        },
      ),
    );
  });

  it('never throws: any text gives a well-formed result', () => {
    const tokens = fc.constantFrom(
      '9',
      '9:00',
      '14:30',
      '12',
      '0',
      '24:00',
      '25',
      '-',
      ' - ',
      'to',
      ':',
      '.',
      ',',
      'h',
      'm',
      'pm',
      'am',
      'noon',
      'midnight',
      '45m',
      '1.5h',
      '1h30',
      '90 min',
      'tomorrow',
      'today',
      'mon',
      'fri',
      'sundays',
      'every',
      'day',
      'weekdays',
      'until',
      'for',
      'at',
      'from',
      'off',
      'deep work',
      '\u2013',
      '\u00a0',
      '  ',
      '\n',
      '99999999999999999999h',
    );
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.array(tokens, { maxLength: 8 }).map((parts) => parts.join(' ')),
      fc.array(tokens, { maxLength: 8 }).map((parts) => parts.join('')),
    );
    const zone = fc.constantFrom('Nope/Zone', '', 'utc', '+05:00');
    fc.assert(
      fc.property(text, fc.oneof(whenArb, fc.tuple(nowArb, zone)), (input, [now, tz]) => {
        expectValidCommand(parseFocusCommand(input, now, tz), now);
      }),
      { numRuns: 1000 },
    );
  });
});
