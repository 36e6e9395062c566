import { reportedWeeks, weekEndOf, weekLabel, weekStartOf, weekStartsBetween } from './focus-weeks';

const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('focus weeks (ISO weeks in UTC)', () => {
  it('starts a week on Monday 00:00 UTC, whatever the instant’s offset says', () => {
    // Sunday 23:30 in New York is already Monday 04:30 UTC.
    expect(iso(weekStartOf(at('2026-11-29T23:30:00-05:00')))).toBe('2026-11-30T00:00:00.000Z');
    expect(iso(weekStartOf(at('2026-11-29T23:59:59.999Z')))).toBe('2026-11-23T00:00:00.000Z');
    expect(iso(weekStartOf(at('2026-11-30T00:00:00Z')))).toBe('2026-11-30T00:00:00.000Z');
  });

  it('ends a window at the next week start, or where it is when it is one', () => {
    expect(iso(weekEndOf(at('2026-11-30T00:00:00Z')))).toBe('2026-11-30T00:00:00.000Z');
    expect(iso(weekEndOf(at('2026-11-30T00:00:00.001Z')))).toBe('2026-12-07T00:00:00.000Z');
  });

  it('labels weeks by ISO week-numbering year, across the new year', () => {
    expect(weekLabel(at('2026-11-23T00:00:00Z'))).toBe('2026-W48');
    // Monday 28 December 2026 is in week 53 of 2026; Monday 29 December 2025 in week 1 of 2026.
    expect(weekLabel(at('2026-12-28T00:00:00Z'))).toBe('2026-W53');
    expect(weekLabel(at('2025-12-29T00:00:00Z'))).toBe('2026-W01');
  });

  it('lists the week starts of a window, 168 hours apart across a DST change', () => {
    const starts = weekStartsBetween(at('2026-10-19T00:00:00Z'), at('2026-11-09T00:00:00Z'));
    expect(starts.map(iso)).toEqual([
      '2026-10-19T00:00:00.000Z',
      '2026-10-26T00:00:00.000Z',
      '2026-11-02T00:00:00.000Z',
    ]);
  });

  describe('reportedWeeks', () => {
    const now = at('2026-12-02T10:00:00Z'); // a Wednesday, in week 2026-W49

    it('snaps a window outwards to whole weeks', () => {
      const w = reportedWeeks(at('2026-11-04T12:00:00Z'), at('2026-11-18T09:00:00Z'), now);
      expect([iso(w.from), iso(w.to)]).toEqual([
        '2026-11-02T00:00:00.000Z',
        '2026-11-23T00:00:00.000Z',
      ]);
    });

    it('reports two windows inside the same weeks identically', () => {
      const a = reportedWeeks(at('2026-11-02T00:00:00Z'), at('2026-11-15T23:00:00Z'), now);
      const b = reportedWeeks(at('2026-11-08T18:00:00Z'), at('2026-11-10T01:00:00Z'), now);
      expect(iso(b.from)).toBe(iso(a.from));
      expect(iso(a.to)).toBe('2026-11-16T00:00:00.000Z');
      expect(iso(b.to)).toBe('2026-11-16T00:00:00.000Z');
    });

    it('stops before the week that is not over yet', () => {
      const w = reportedWeeks(at('2026-11-16T00:00:00Z'), at('2026-12-31T00:00:00Z'), now);
      expect([iso(w.from), iso(w.to)]).toEqual([
        '2026-11-16T00:00:00.000Z',
        '2026-11-30T00:00:00.000Z',
      ]);
    });

    it('is empty for a window inside the current week or later', () => {
      const w = reportedWeeks(at('2026-12-01T00:00:00Z'), at('2026-12-20T00:00:00Z'), now);
      expect(iso(w.from)).toBe('2026-11-30T00:00:00.000Z');
      expect(iso(w.to)).toBe(iso(w.from));
    });
  });
});
