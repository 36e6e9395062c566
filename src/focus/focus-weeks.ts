/**
 * The weeks focus figures are reported and kept by. A week is an ISO week in UTC: Monday 00:00
 * UTC to the next Monday 00:00 UTC, labelled `2026-W48` (ISO week-numbering year). UTC rather
 * than each agent's zone, because a team's agents live in several zones and a week must be one
 * fixed stretch for every figure of it, live or rolled up.
 */
import { DateTime } from 'luxon';

export const WEEK_MS = 7 * 86_400_000;

/** A summary window covers at most two years of weeks. */
export const MAX_SUMMARY_WEEKS = 106;

/** Monday 00:00 UTC of the ISO week holding `at`. */
export function weekStartOf(at: Date): Date {
  return DateTime.fromJSDate(at, { zone: 'utc' }).startOf('week').toJSDate();
}

/** The start of the week after the one holding `at`, or `at` itself when it starts a week. */
export function weekEndOf(at: Date): Date {
  const start = weekStartOf(at);
  return start.getTime() === at.getTime() ? start : new Date(start.getTime() + WEEK_MS);
}

/** `2026-W48` for the week starting at `weekStart`. */
export function weekLabel(weekStart: Date): string {
  return DateTime.fromJSDate(weekStart, { zone: 'utc' }).toFormat("kkkk-'W'WW");
}

/** The week starts in [from, to); both are week starts. */
export function weekStartsBetween(from: Date, to: Date): Date[] {
  const starts: Date[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += WEEK_MS) starts.push(new Date(t));
  return starts;
}

/**
 * A requested window snapped outwards to whole weeks, then cut at the start of the week `now`
 * is in: a week is reported once it is over, never while its figures still move (as pulse
 * results wait for a round to close).
 */
export function reportedWeeks(from: Date, to: Date, now: Date): { from: Date; to: Date } {
  const snappedFrom = weekStartOf(from);
  const current = weekStartOf(now);
  const snappedTo = new Date(Math.min(weekEndOf(to).getTime(), current.getTime()));
  return { from: snappedFrom, to: snappedTo < snappedFrom ? snappedFrom : snappedTo };
}
