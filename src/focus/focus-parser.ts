/**
 * Parser for the text after `/focus` (docs/contract.md). Pure: no Nest, no I/O, no system
 * clock or system time zone — `now` and the agent's IANA `timeZone` are parameters, and the same
 * inputs always give the same result. It never throws for any string; bad input is an
 * `{ ok: false }` result with a one-line `error` and the shared `example`.
 *
 * What it reads (case-insensitive; runs of spaces, tabs, newlines, non-breaking spaces and Slack's
 * en/em dashes are tolerated). Anything left after the time part is the note
 * (`/focus 45m deep work` → "deep work"; a leading `-`, `:`, `,` or `|` before the note is dropped):
 *
 * - ``                          → status (current and upcoming blocks)
 * - `off` | `stop` | `end` (optionally followed by `now`) → off
 * - durations from now: `45m`, `90 min`, `45 minutes`, `1h`, `2 h`, `1 hour`, `2hrs`, `1h30m`,
 *   `1h 30m`, `1h30`, `1.5h` (`1,5h`), optionally after `for` → start = now, end = now + duration.
 * - `until 17:00` / `until 5pm` → start = now, end = that time today.
 * - a range today: `14:00-15:30`, `14:00 - 15:30`, `14:00 to 15:30`, `2pm-3:30pm`, `2-3:30pm`,
 *   `9-10` (bare numbers are 24-hour hours), `14h30-15h45`, `9.30-10.30`. A range may end at
 *   midnight (`22:00-24:00`, `22:00-00:00`, `10pm-12am`); otherwise it cannot cross midnight.
 *   If the whole range is past → "That time has already passed today."; if it has started but not
 *   ended, the block starts now ("already running").
 * - a start and a duration: `16:00 30m`, `16:00 for 30m` (today).
 * - with a day: `today …`, `tomorrow …`, or one weekday (`monday`, `mon`, `on monday`) followed by
 *   a range or a start and a duration (`tomorrow 9:00 2h`, `tomorrow 9:00-11:00`, `monday 9 1h`,
 *   `today at 16:00 for 30m`). A weekday means the next such day: today when today is that
 *   weekday and the block's start is still in the future, otherwise the same weekday next week.
 * - recurring: `weekdays`/`every weekday`/`workdays`, `weekends`, `every day`/`everyday`/`daily`,
 *   day lists (`mon,wed,fri`, `tue thu`, `mon, wed and fri`, `mon-thu`), or a single day with
 *   `every`/`each`/plural (`every monday`, `mondays`), followed by a range or a start and a
 *   duration. → `rrule` is `FREQ=DAILY` (every day, or all seven days listed) or
 *   `FREQ=WEEKLY;BYDAY=MO,…` (days in Monday-first order); `localStart` is `HH:mm`; and
 *   `firstStart`/`firstEnd` are the first occurrence whose start is at or after `now`.
 *
 * Time rules:
 * - Durations are real elapsed time: `1h` across a DST change ends 60 minutes later, whatever the
 *   wall clock says. A start + duration block ends start + duration (elapsed).
 * - Both ends of a range are local wall-clock times, so `01:00-04:00` lasts 2 h on a
 *   spring-forward night and 4 h on a fall-back night (limits apply to the elapsed time).
 * - A recurring range's `durationMinutes` is its wall-clock length (`9:00-10:00` → 60); every
 *   occurrence, the first included, ends `durationMinutes` after its start.
 * - A local time that does not exist (the spring-forward gap, e.g. 02:30 in Europe/Paris on
 *   2026-03-29) is moved forward by the length of the gap (02:30 → 03:30 CEST) — what luxon does
 *   and what Temporal calls "compatible". A range whose ends collapse that way (`02:30-03:00` on
 *   that day) is refused with an explanation.
 * - A local time that happens twice (the fall-back overlap, e.g. 02:30 in Europe/Paris on
 *   2026-10-25) takes the EARLIER instant (02:30 CEST, the first time the clock shows it). luxon
 *   alone is not consistent about this, so the instant is chosen here from luxon's zone offsets.
 * - An unknown or empty time zone falls back to UTC; a recurring command then reports
 *   `timeZone: 'UTC'`. A valid zone is reported as given, its case fixed (`europe/paris` →
 *   `Europe/Paris`).
 *
 * Limits: a block lasts 5 minutes to 12 hours inclusive (checked on the block actually created,
 * i.e. after an already-running range is clamped to now), start < end, and a block never starts
 * before `now` (a recurring rule's first occurrence is the first at or after `now`).
 * Unreadable input echoes the input (whitespace collapsed, cut to 80 characters) in the error.
 */
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import type { RecurringRule } from './recurring-rule';

export type FocusCommand =
  | { kind: 'status' }
  | { kind: 'off' }
  | { kind: 'block'; start: Date; end: Date; note: string | null }
  | ({ kind: 'recurring'; firstStart: Date; firstEnd: Date } & RecurringRule);

export type FocusParseResult =
  { ok: true; command: FocusCommand } | { ok: false; error: string; example: string };

export const FOCUS_EXAMPLE =
  '/focus 45m deep work · /focus 14:00-15:30 · /focus tomorrow 9:00 2h · /focus weekdays 9:00-10:00 · /focus off';
export const MIN_FOCUS_MINUTES = 5;
export const MAX_FOCUS_MINUTES = 12 * 60;

/** A note is kept with the block (varchar(200): characters, as Slack counts them). */
export const NOTE_MAX_CHARS = 200;

export const FOCUS_ERRORS = {
  noteTooLong: `The note can be at most ${NOTE_MAX_CHARS} characters.`,
  passed: 'That time has already passed today.',
  tooShort: `A focus block must last at least ${MIN_FOCUS_MINUTES} minutes.`,
  tooLong: `A focus block can last at most ${MAX_FOCUS_MINUTES / 60} hours.`,
  almostOver: `That block ends in under ${MIN_FOCUS_MINUTES} minutes; a focus block must last at least ${MIN_FOCUS_MINUTES} minutes.`,
  endBeforeStart: 'The end time must be after the start time.',
  dstGap:
    'That range falls in the time skipped when clocks go forward for daylight saving; pick another time.',
  needDuration: 'Say how long, e.g. “/focus tomorrow 9:00 2h” or “/focus tomorrow 9:00-11:00”.',
  needStart: 'Say when it starts, e.g. “/focus tomorrow 9:00 2h” or “/focus weekdays 9:00-10:00”.',
  badClock: (raw: string) => `“${raw}” isn't a valid time of day.`,
  unreadable: (input: string) => `I couldn't read “${input}” as a time.`,
  badNow: "I couldn't tell the current time; please try again.",
} as const;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const MINUTES_PER_DAY = 24 * 60;
/** Letters, digits or underscore: what may not directly follow a number, unit or clock. */
const WORD_CHAR = /^[\p{L}\p{N}_]/u;
const RRULE_DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

export function parseFocusCommand(text: string, now: Date, timeZone: string): FocusParseResult {
  const input = normalize(typeof text === 'string' ? text : '');
  if (input === '') return ok({ kind: 'status' });
  if (/^(?:off|stop|end)(?:\s+now)?$/i.test(input)) return ok({ kind: 'off' });
  const nowMs = now instanceof Date ? now.getTime() : Number.NaN;
  if (!Number.isFinite(nowMs)) return fail(FOCUS_ERRORS.badNow);

  const { day, rest: afterDay } = readDayPrefix(input);
  if (day.kind !== 'none' && afterDay.trim() === '') return fail(FOCUS_ERRORS.needStart);
  const read = readTimeSpec(afterDay.trimStart(), day.kind !== 'none');
  if (read === null) return fail(FOCUS_ERRORS.unreadable(quote(input)));
  if ('error' in read) return fail(read.error);
  const { time, rest } = read;
  const note = toNote(rest);
  if (note !== null && Array.from(note).length > NOTE_MAX_CHARS)
    return fail(FOCUS_ERRORS.noteTooLong);
  const zone = resolveZone(timeZone);

  if (day.kind === 'recurring') return recurring(day.days, time, note, zone, nowMs);
  return block(day, time, note, zone, nowMs);
}

// ---------------------------------------------------------------------------------------------
// Results

function ok(command: FocusCommand): FocusParseResult {
  return { ok: true, command };
}

function fail(error: string): FocusParseResult {
  return { ok: false, error, example: FOCUS_EXAMPLE };
}

// ---------------------------------------------------------------------------------------------
// Text handling

/** One line: odd spaces and dashes made plain, runs of space collapsed, a leading `/focus` dropped. */
function normalize(text: string): string {
  return text
    .replace(/[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+/gu, ' ')
    .replace(/[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]/gu, '-')
    .replace(/^\/focus(?=\s|$)/i, '')
    .trim();
}

function quote(input: string): string {
  const chars = Array.from(input);
  return chars.length > 80 ? `${chars.slice(0, 79).join('')}…` : input;
}

function toNote(rest: string): string | null {
  const note = rest.replace(/^[\s\-:,;|·]+/u, '').trim();
  return note === '' ? null : note;
}

/** True when `s` is empty or does not start with a letter, digit or underscore. */
function atBoundary(s: string): boolean {
  return !WORD_CHAR.test(s);
}

// ---------------------------------------------------------------------------------------------
// Day prefix

type DaySpec =
  | { kind: 'none' }
  | { kind: 'today' }
  | { kind: 'tomorrow' }
  | { kind: 'weekday'; weekday: number }
  | { kind: 'recurring'; days: 'daily' | number[] };

const DAY_NAME =
  /^(mon(?:day)?|tue(?:s(?:day)?)?|wed(?:s|nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)(s?)/i;

function weekdayOf(name: string): number {
  return (
    ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].indexOf(name.slice(0, 3).toLowerCase()) + 1
  );
}

/** Reads `today`, `tomorrow`, a weekday, or a recurrence; `rest` is what follows it. */
function readDayPrefix(input: string): { day: DaySpec; rest: string } {
  const simple: Array<[RegExp, DaySpec]> = [
    [/^today\b/i, { kind: 'today' }],
    [/^(?:tomorrow|tmrw)\b/i, { kind: 'tomorrow' }],
    [/^(?:(?:every|each)\s+day|everyday|daily)\b/i, { kind: 'recurring', days: 'daily' }],
    [
      /^(?:(?:every|each)\s+(?:weekday|workday|work\s+day)|weekdays|workdays)\b/i,
      { kind: 'recurring', days: [1, 2, 3, 4, 5] },
    ],
    [/^(?:(?:every|each)\s+weekend(?:\s+day)?|weekends)\b/i, { kind: 'recurring', days: [6, 7] }],
  ];
  for (const [pattern, day] of simple) {
    const m = pattern.exec(input);
    if (m) return { day, rest: input.slice(m[0].length) };
  }
  return readDayList(input) ?? { day: { kind: 'none' }, rest: input };
}

/** `mon,wed,fri`, `tue thu`, `mon-fri`, `every monday`, `mondays`, `on monday`. */
function readDayList(input: string): { day: DaySpec; rest: string } | null {
  const lead = /^(every|each|on)\s+/i.exec(input);
  let s = lead ? input.slice(lead[0].length) : input;
  const days = new Set<number>();
  let items = 0;
  let plural = false;
  for (;;) {
    const first = DAY_NAME.exec(s);
    if (!first || !atBoundary(s.slice(first[0].length))) break;
    let consumed = first[0].length;
    plural ||= first[2] !== '';
    const from = weekdayOf(first[1]);
    let to = from;
    const dash = /^\s*-\s*/.exec(s.slice(consumed));
    if (dash) {
      const after = s.slice(consumed + dash[0].length);
      const second = DAY_NAME.exec(after);
      if (second && atBoundary(after.slice(second[0].length))) {
        to = weekdayOf(second[1]);
        consumed += dash[0].length + second[0].length;
        plural = true;
      }
    }
    for (let d = from; ; d = (d % 7) + 1) {
      days.add(d);
      if (d === to) break;
    }
    items += 1;
    s = s.slice(consumed);
    const sep = /^(?:\s*[,/&+]\s*|\s+and\s+|\s+)(?=[a-z])/i.exec(s);
    if (!sep) break;
    const next = DAY_NAME.exec(s.slice(sep[0].length));
    if (!next || !atBoundary(s.slice(sep[0].length + next[0].length))) break;
    s = s.slice(sep[0].length);
  }
  if (items === 0) return null;
  const sorted = [...days].sort((a, b) => a - b);
  const repeats = sorted.length > 1 || plural || /^(every|each)$/i.test(lead?.[1] ?? '');
  if (!repeats) return { day: { kind: 'weekday', weekday: sorted[0] }, rest: s };
  return { day: { kind: 'recurring', days: sorted.length === 7 ? 'daily' : sorted }, rest: s };
}

// ---------------------------------------------------------------------------------------------
// Time part

type RawClock = {
  raw: string;
  hour: number;
  minute: number | null;
  meridiem: 'am' | 'pm' | null;
  /** `noon` / `midnight`: meaning fixed, no meridiem inference. */
  fixed: boolean;
};

type TimeSpec =
  | { kind: 'duration'; minutes: number }
  | { kind: 'until'; end: number }
  | { kind: 'range'; start: number; end: number }
  | { kind: 'startFor'; start: number; minutes: number };

type TimeRead = { time: TimeSpec; rest: string } | { error: string } | null;

/**
 * Reads the time part at the start of `s`. `prefixed` says a day or recurrence came first, which
 * allows a bare hour as the start (`tomorrow 9 2h`) and requires a start time.
 * Returns null when `s` does not start with anything time-like.
 */
function readTimeSpec(s: string, prefixed: boolean): TimeRead {
  const until = /^(?:until|till|til)\s+/i.exec(s);
  if (until) {
    const clock = readClock(s.slice(until[0].length), false);
    if (!clock) return null;
    if (prefixed) return { error: FOCUS_ERRORS.needStart };
    const end = clockMinutes(clock.value, true);
    if (end === null) return { error: FOCUS_ERRORS.badClock(clock.value.raw) };
    return { time: { kind: 'until', end }, rest: clock.rest };
  }
  const lead = /^(?:at|from)\s+/i.exec(s);
  const t = lead ? s.slice(lead[0].length) : s;

  const range = readRange(t);
  if (range) return range;

  // A start and a duration (`16:00 30m`, `tomorrow 9 2h`), tried before a lone duration so that
  // `tomorrow 14h30 1h` starts at 14:30.
  const clock = readClock(t, prefixed);
  const after = clock?.rest.replace(/^\s+(?:for\s+)?/i, '');
  const length = clock && after !== clock.rest ? readDuration(after ?? '') : null;
  if (clock && length) {
    const start = clockMinutes(clock.value, false);
    if (start === null) return { error: FOCUS_ERRORS.badClock(clock.value.raw) };
    return { time: { kind: 'startFor', start, minutes: length.value }, rest: length.rest };
  }

  const duration = readDuration(t);
  if (duration) {
    if (prefixed || lead) return { error: FOCUS_ERRORS.needStart };
    return { time: { kind: 'duration', minutes: duration.value }, rest: duration.rest };
  }

  if (!clock) return null;
  if (clockMinutes(clock.value, false) === null) {
    return { error: FOCUS_ERRORS.badClock(clock.value.raw) };
  }
  return { error: FOCUS_ERRORS.needDuration };
}

function readRange(s: string): TimeRead {
  const a = readClock(s, true);
  if (!a) return null;
  const sep = /^(?:\s*-\s*|\s+(?:to|until|till|til)\s+)/i.exec(a.rest);
  if (!sep) return null;
  const b = readClock(a.rest.slice(sep[0].length), true);
  if (!b) return null;
  const [startClock, endClock] = inferMeridiems(a.value, b.value);
  const start = clockMinutes(startClock, false);
  if (start === null) return { error: FOCUS_ERRORS.badClock(a.value.raw) };
  let end = clockMinutes(endClock, true);
  if (end === null) return { error: FOCUS_ERRORS.badClock(b.value.raw) };
  if (end === 0) end = MINUTES_PER_DAY; // `22:00-00:00`: until midnight
  if (end <= start) return { error: FOCUS_ERRORS.endBeforeStart };
  return { time: { kind: 'range', start, end }, rest: b.rest };
}

/**
 * `2-3:30pm` → 2pm-3:30pm, `11-1pm` → 11am-1pm, `11am-1` → 11am-1pm, `10pm-12` → 10pm-12am:
 * a side without am/pm borrows the other side's, or the opposite one when that keeps start < end.
 */
function inferMeridiems(a: RawClock, b: RawClock): [RawClock, RawClock] {
  const canInfer = (c: RawClock) => c.meridiem === null && !c.fixed && c.hour >= 1 && c.hour <= 12;
  const flip = (m: 'am' | 'pm'): 'am' | 'pm' => (m === 'am' ? 'pm' : 'am');
  const ordered = (x: RawClock, y: RawClock) => {
    const xs = clockMinutes(x, false);
    const ye = clockMinutes(y, true);
    return xs !== null && ye !== null && (ye === 0 ? MINUTES_PER_DAY : ye) > xs;
  };
  if (b.meridiem && canInfer(a)) {
    const same = { ...a, meridiem: b.meridiem };
    if (ordered(same, b)) return [same, b];
    const other = { ...a, meridiem: flip(b.meridiem) };
    return [ordered(other, b) ? other : same, b];
  }
  if (a.meridiem && canInfer(b)) {
    const same = { ...b, meridiem: a.meridiem };
    if (ordered(a, same)) return [a, same];
    const other = { ...b, meridiem: flip(a.meridiem) };
    return [a, ordered(a, other) ? other : same];
  }
  return [a, b];
}

/**
 * A time of day at the start of `s`: `14:00`, `9:05`, `14h30`, `9.30`, `2pm`, `3:30 p.m.`,
 * `noon`, `midnight`, and — when `allowBare` — a bare hour (`9`). Not validated here (see
 * clockMinutes) so that `25:00` can be reported as a bad time rather than as unreadable.
 */
function readClock(s: string, allowBare: boolean): { value: RawClock; rest: string } | null {
  const word = /^(noon|midday|midnight)/i.exec(s);
  if (word && atBoundary(s.slice(word[0].length))) {
    const midnight = word[1].toLowerCase() === 'midnight';
    return {
      value: { raw: word[0], hour: midnight ? 0 : 12, minute: 0, meridiem: null, fixed: true },
      rest: s.slice(word[0].length),
    };
  }
  const m = /^(\d{1,2})(?:[:h.](\d{2}))?(?:\s*([ap])\.?m\b\.?)?/i.exec(s);
  if (!m) return null;
  const rest = s.slice(m[0].length);
  // `45m`, `9:5`, `1.5h`, `9.30.1`: not a time of day
  if (!atBoundary(rest) || /^[:.]\d/.test(rest)) return null;
  const minute = m[2] === undefined ? null : Number(m[2]);
  const meridiem = m[3] === undefined ? null : m[3].toLowerCase() === 'a' ? 'am' : 'pm';
  if (minute === null && meridiem === null && !allowBare) return null;
  return { value: { raw: m[0], hour: Number(m[1]), minute, meridiem, fixed: false }, rest };
}

/** Minutes since local midnight, or null if no such time. `24:00` only as an end. */
function clockMinutes(c: RawClock, asEnd: boolean): number | null {
  const minute = c.minute ?? 0;
  if (minute > 59) return null;
  if (c.meridiem) {
    if (c.hour < 1 || c.hour > 12) return null;
    return (c.hour % 12) * 60 + minute + (c.meridiem === 'pm' ? 12 * 60 : 0);
  }
  if (c.hour === 24 && minute === 0 && asEnd) return MINUTES_PER_DAY;
  if (c.hour > 23) return null;
  return c.hour * 60 + minute;
}

const HOUR_UNIT = /^(\d+(?:[.,]\d+)?)\s*(?:hours?|hrs?|h)/i;
const MINUTE_UNIT = /^(\d+(?:[.,]\d+)?)\s*(?:minutes?|mins?|m)/i;

/** `45m`, `90 min`, `1h`, `2 h`, `1.5h`, `1h30m`, `1h 30m`, `1h30`, `1 hour 15 minutes`. */
function readDuration(s: string): { value: number; rest: string } | null {
  const t = s.replace(/^for\s+/i, '');
  const number = (raw: string) => Number(raw.replace(',', '.'));
  const hours = HOUR_UNIT.exec(t);
  if (hours) {
    const rest = t.slice(hours[0].length);
    const glued = /^(\d{1,2})/.exec(rest);
    if (glued && atBoundary(rest.slice(glued[0].length))) {
      const minutes = Number(glued[1]);
      return {
        value: Math.round(number(hours[1]) * 60 + minutes),
        rest: rest.slice(glued[0].length),
      };
    }
    const more = /^\s*(\d+)\s*(?:minutes?|mins?|m)/i.exec(rest);
    if (more && atBoundary(rest.slice(more[0].length))) {
      const minutes = Number(more[1]);
      return {
        value: Math.round(number(hours[1]) * 60 + minutes),
        rest: rest.slice(more[0].length),
      };
    }
    if (atBoundary(rest)) return { value: Math.round(number(hours[1]) * 60), rest };
    return null;
  }
  const minutes = MINUTE_UNIT.exec(t);
  if (minutes && atBoundary(t.slice(minutes[0].length))) {
    return { value: Math.round(number(minutes[1])), rest: t.slice(minutes[0].length) };
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Time zones and local times

type ResolvedZone = { zone: Zone; name: string };

const zoneCache = new Map<string, ResolvedZone>();

function resolveZone(timeZone: string): ResolvedZone {
  const given = typeof timeZone === 'string' ? timeZone.trim() : '';
  const cached = zoneCache.get(given);
  if (cached) return cached;
  let resolved: ResolvedZone = { zone: FixedOffsetZone.utcInstance, name: 'UTC' };
  if (given !== '' && IANAZone.isValidZone(given)) {
    // Fix only the spelling's case (`europe/paris` → `Europe/Paris`): ICU's canonical form may be
    // an older alias (`Asia/Kolkata` → `Asia/Calcutta`), which is not what the agent's Slack said.
    const icu = new Intl.DateTimeFormat('en-US', { timeZone: given }).resolvedOptions().timeZone;
    const name = icu.toLowerCase() === given.toLowerCase() ? icu : given;
    resolved = { zone: IANAZone.create(name), name };
  }
  if (zoneCache.size < 1000) zoneCache.set(given, resolved);
  return resolved;
}

type LocalDate = { year: number; month: number; day: number; weekday: number };

function localToday(nowMs: number, zone: Zone): LocalDate {
  const dt = DateTime.fromMillis(nowMs, { zone });
  return { year: dt.year, month: dt.month, day: dt.day, weekday: dt.weekday };
}

function addDays(date: LocalDate, days: number): LocalDate {
  const dt = DateTime.utc(date.year, date.month, date.day).plus({ days });
  return { year: dt.year, month: dt.month, day: dt.day, weekday: dt.weekday };
}

/**
 * The instant of local wall time `minutes` (0…1440) on `date` in `zone`. Of two instants (fall
 * back) the earlier; in a gap (spring forward) the wall time moved forward by the gap's length.
 */
function localInstant(date: LocalDate, minutes: number, zone: Zone): number {
  const day = minutes >= MINUTES_PER_DAY ? addDays(date, 1) : date;
  const m = minutes % MINUTES_PER_DAY;
  const wall = DateTime.utc(day.year, day.month, day.day, Math.floor(m / 60), m % 60).toMillis();
  // The true instant is within 14 hours of `wall`; a day either side is on either side of any
  // offset change near it.
  const offsets = [wall - DAY_MS, wall, wall + DAY_MS].map((probe) => zone.offset(probe));
  let best: number | null = null;
  for (const offset of offsets) {
    const candidate = wall - offset * MINUTE_MS;
    if (zone.offset(candidate) === offset && (best === null || candidate < best)) best = candidate;
  }
  if (best !== null) return best;
  // Nonexistent: read with the offset from before the change, which lands after it.
  return wall - Math.min(offsets[0], offsets[2]) * MINUTE_MS;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

// ---------------------------------------------------------------------------------------------
// Commands

function checkLength(ms: number): string | null {
  if (ms < MIN_FOCUS_MINUTES * MINUTE_MS) return FOCUS_ERRORS.tooShort;
  if (ms > MAX_FOCUS_MINUTES * MINUTE_MS) return FOCUS_ERRORS.tooLong;
  return null;
}

function block(
  day: Exclude<DaySpec, { kind: 'recurring' }>,
  time: TimeSpec,
  note: string | null,
  { zone }: ResolvedZone,
  nowMs: number,
): FocusParseResult {
  if (time.kind === 'duration') {
    const error = checkLength(time.minutes * MINUTE_MS);
    if (error) return fail(error);
    return blockResult(nowMs, nowMs + time.minutes * MINUTE_MS, note);
  }
  const today = localToday(nowMs, zone);
  if (time.kind === 'until') {
    const end = localInstant(today, time.end, zone);
    if (end <= nowMs) return fail(FOCUS_ERRORS.passed);
    const error = checkLength(end - nowMs);
    if (error) return fail(error);
    return blockResult(nowMs, end, note);
  }

  const startOf = (date: LocalDate) => localInstant(date, time.start, zone);
  let date = today;
  if (day.kind === 'tomorrow') date = addDays(today, 1);
  if (day.kind === 'weekday') {
    date = addDays(today, (day.weekday - today.weekday + 7) % 7);
    if (startOf(date) <= nowMs) date = addDays(date, 7);
  }
  let start = startOf(date);
  const end =
    time.kind === 'range' ? localInstant(date, time.end, zone) : start + time.minutes * MINUTE_MS;
  if (end <= start) return fail(FOCUS_ERRORS.dstGap);
  if (end <= nowMs) return fail(FOCUS_ERRORS.passed);
  const clamped = start < nowMs;
  if (clamped) start = nowMs; // already running: it starts now
  const error = checkLength(end - start);
  if (error)
    return fail(clamped && error === FOCUS_ERRORS.tooShort ? FOCUS_ERRORS.almostOver : error);
  return blockResult(start, end, note);
}

function blockResult(start: number, end: number, note: string | null): FocusParseResult {
  return ok({ kind: 'block', start: new Date(start), end: new Date(end), note });
}

function recurring(
  days: 'daily' | number[],
  time: TimeSpec,
  note: string | null,
  { zone, name }: ResolvedZone,
  nowMs: number,
): FocusParseResult {
  if (time.kind !== 'range' && time.kind !== 'startFor') return fail(FOCUS_ERRORS.needStart);
  const durationMinutes = time.kind === 'range' ? time.end - time.start : time.minutes;
  const error = checkLength(durationMinutes * MINUTE_MS);
  if (error) return fail(error);
  const today = localToday(nowMs, zone);
  let firstStart = Number.NaN;
  // Seven days on, the same weekday as today is always after now: the loop always finds one.
  for (let k = 0; k <= 7 && Number.isNaN(firstStart); k++) {
    const date = addDays(today, k);
    if (days !== 'daily' && !days.includes(date.weekday)) continue;
    const start = localInstant(date, time.start, zone);
    if (start >= nowMs) firstStart = start;
  }
  const rrule =
    days === 'daily'
      ? 'FREQ=DAILY'
      : `FREQ=WEEKLY;BYDAY=${days.map((d) => RRULE_DAYS[d - 1]).join(',')}`;
  return ok({
    kind: 'recurring',
    rrule,
    localStart: `${pad2(Math.floor(time.start / 60))}:${pad2(time.start % 60)}`,
    durationMinutes,
    note,
    timeZone: name,
    firstStart: new Date(firstStart),
    firstEnd: new Date(firstStart + durationMinutes * MINUTE_MS),
  });
}
