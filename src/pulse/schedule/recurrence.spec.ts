import { assertOccursWithinYear, parseRecurrence } from './recurrence';

const FROM = new Date('2026-11-23T00:00:00Z');

describe('schedule recurrence rules', () => {
  it.each([
    'FREQ=WEEKLY;BYDAY=TH',
    'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE',
    'FREQ=MONTHLY;BYMONTHDAY=-1',
    'FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=31',
    'FREQ=DAILY;COUNT=10',
  ])('accepts %s, with an occurrence within a year', (rule) => {
    expect(() => assertOccursWithinYear(parseRecurrence(rule, FROM), FROM)).not.toThrow();
  });

  it.each([
    ['FREQ=HOURLY', 'FREQ must be'],
    ['FREQ=SECONDLY', 'FREQ must be'],
    ['BYDAY=MO', 'needs FREQ'],
    ['FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30,31', 'names no real date'],
    ['FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=31', 'names no real date'],
    ['FREQ=DAILY;BYHOUR=9', 'may not use BYHOUR'],
    ['FREQ=WEEKLY;FREQ=DAILY', 'repeats FREQ'],
    ['FREQ=WEEKLY;INTERVAL=0', 'INTERVAL values'],
    ['FREQ=WEEKLY;BYMONTHDAY=x', 'whole numbers'],
    ['FREQ', 'malformed'],
  ])('refuses %s', (rule, message) => {
    expect(() => parseRecurrence(rule, FROM)).toThrow(message);
  });

  it('refuses a real date that does not come within a year (29 February from late 2026)', () => {
    const rule = parseRecurrence('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', FROM);
    expect(() => assertOccursWithinYear(rule, FROM)).toThrow('no occurrence within a year');
  });

  it('refuses a rule whose occurrences are all past', () => {
    const rule = parseRecurrence('FREQ=DAILY;UNTIL=20251231T000000Z', FROM);
    expect(() => assertOccursWithinYear(rule, FROM)).toThrow('no occurrence within a year');
  });

  it('checks the impossible rule that stalled the event loop in well under a second', () => {
    const started = process.hrtime.bigint();
    expect(() => parseRecurrence('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31', FROM)).toThrow();
    // Not a timing assertion on the product: the check never reaches the iterating library.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(1000);
  });
});
