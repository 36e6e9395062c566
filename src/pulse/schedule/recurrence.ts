/**
 * The recurrence rules a survey schedule accepts. The `rrule` library iterates day by day
 * until it finds a match and, for a rule that never matches (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31),
 * runs for tens of seconds on the event loop; a sub-daily FREQ yields thousands of dates per
 * tick. So a rule is checked part by part before the library sees it: daily or coarser, only
 * the parts a pulse schedule needs, every BYMONTH/BYMONTHDAY pair a real date, and at least one
 * occurrence within a year of creation.
 */
import { RRule, Frequency, Options } from 'rrule';
import { DomainError } from '../../common/errors';

const FREQS = new Map<string, Frequency>([
  ['DAILY', RRule.DAILY],
  ['WEEKLY', RRule.WEEKLY],
  ['MONTHLY', RRule.MONTHLY],
  ['YEARLY', RRule.YEARLY],
]);
const PARTS = new Set([
  'FREQ',
  'INTERVAL',
  'BYDAY',
  'BYMONTHDAY',
  'BYMONTH',
  'COUNT',
  'UNTIL',
  'WKST',
]);
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const YEAR_MS = 366 * 24 * 3_600_000;

function refuse(reason: string): never {
  throw new DomainError('validation_failed', `schedule.rrule ${reason}`);
}

function numbers(value: string, min: number, max: number, part: string): number[] {
  return value.split(',').map((v) => {
    if (!/^-?\d{1,3}$/.test(v)) refuse(`${part} must be a list of whole numbers`);
    const n = Number(v);
    if (n === 0 || Math.abs(n) < min || Math.abs(n) > max) {
      refuse(`${part} values must be within ±${min}..${max}`);
    }
    return n;
  });
}

/** The rule's text checked part by part; refuses with a message naming the part. */
function checkParts(text: string): void {
  if (text.length > 200) refuse('is too long (200 characters at most)');
  const seen = new Map<string, string>();
  for (const part of text.split(';')) {
    const [name, value, ...rest] = part.split('=');
    if (!name || value === undefined || rest.length > 0) refuse(`has a malformed part "${part}"`);
    const key = name.toUpperCase();
    if (!PARTS.has(key)) {
      refuse(`may not use ${key}: allowed are ${[...PARTS].join(', ')}`);
    }
    if (seen.has(key)) refuse(`repeats ${key}`);
    seen.set(key, value.toUpperCase());
  }
  const freq = seen.get('FREQ');
  if (!freq) refuse('needs FREQ');
  if (!FREQS.has(freq)) refuse(`FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, got ${freq}`);
  if (seen.has('INTERVAL')) numbers(seen.get('INTERVAL')!, 1, 52, 'INTERVAL');
  if (seen.has('COUNT')) numbers(seen.get('COUNT')!, 1, 999, 'COUNT');
  const months = seen.has('BYMONTH') ? numbers(seen.get('BYMONTH')!, 1, 12, 'BYMONTH') : null;
  const monthDays = seen.has('BYMONTHDAY')
    ? numbers(seen.get('BYMONTHDAY')!, 1, 31, 'BYMONTHDAY')
    : null;
  if (months && monthDays) {
    const real = months.some((m) =>
      monthDays.some((d) => Math.abs(d) <= DAYS_IN_MONTH[(m > 0 ? m : 13 + m) - 1]),
    );
    if (!real) refuse('names no real date (BYMONTH and BYMONTHDAY never meet)');
  }
}

/** A schedule's rule, checked; `from` anchors it (the survey's creation) when given. */
export function parseRecurrence(rrule: string, from?: Date): RRule {
  const text = rrule.trim().replace(/^RRULE:/i, '');
  checkParts(text);
  let options: Partial<Options>;
  try {
    options = RRule.parseString(text);
  } catch (err) {
    refuse(`is not a valid recurrence rule (${(err as Error).message})`);
  }
  return new RRule({ ...options, ...(from ? { dtstart: from } : {}) });
}

/** Refuses a rule with no occurrence within a year of `from`. */
export function assertOccursWithinYear(rule: RRule, from: Date): void {
  const first = rule.between(from, new Date(from.getTime() + YEAR_MS), true, (_d, i) => i < 1);
  if (first.length === 0) refuse('has no occurrence within a year');
}
