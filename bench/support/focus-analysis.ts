/**
 * What bench/focus-sync reads off the Slack stand-in's call log: per method, the calls made in
 * each full minute of the saturation against the allowed rate (and the pace of the rest),
 * duplicated calls, 429s, the busiest 60-second window, latency from a block's start to a call,
 * and a timeline. Pure functions over call records, so they can be
 * checked by hand on a small log.
 */
import type { CallRecord, RateLimitViolation } from '../../test/support/slack-stand-in';

export type Call = Pick<CallRecord, 'method' | 'token' | 'at' | 'status' | 'error'>;

/** A call Slack carried out: HTTP 200 and `ok: true` (the stand-in records `error` otherwise). */
export function succeeded(call: Call): boolean {
  return call.status === 200 && call.error === undefined;
}

export interface MethodFigures {
  method: string;
  /** Allowed calls per minute (the stand-in's limit, and SLACK_METHOD_RATES). */
  perMinute: number;
  calls: number;
  successes: number;
  /** Tokens with at least one successful call. */
  tokens: number;
  /** Tokens with more than one successful call (each token has one block in a phase). */
  duplicatedTokens: number;
  /** Successful calls beyond the first per token. */
  duplicatedCalls: number;
  rateLimited: number;
  /** ok:false or HTTP errors other than 429. */
  otherErrors: number;
  firstErrors: string[];
  /** First and last successful call (ms since epoch). */
  first: number;
  last: number;
  /**
   * Successful calls in consecutive 60-s windows from the first one: [first, first + 60 s),
   * [first + 60 s, first + 120 s)… The last window is cut short by the end of the work.
   */
  perWindow: number[];
  /**
   * Seconds from the first call to the last of the first window: under 60 when the window was
   * full early (the pacer held the rest back), about 60 when the app could not fill it.
   */
  firstWindowSeconds: number;
  /** Windows that ended before the method's last call: the method had work queued throughout. */
  fullWindows: number;
  /** Successful calls per full window ÷ the allowed rate (NaN without a full window). */
  fullWindowRatio: number;
  /** The calls after the full windows, and the seconds from that window's start to the last. */
  restCalls: number;
  restSeconds: number;
  /** Their pace, per minute (NaN when they took under 10 s). */
  restPerMinute: number;
  /**
   * Least time from the first call to the last that Slack's limit allows for these calls (a
   * wave up to the limit goes at once, the next a minute later): 60 s × (⌈calls ÷ limit⌉ − 1).
   */
  minimumSpanSeconds: number;
  /** Most successful calls inside any 60-second window (Slack's limit counts these). */
  busiestMinute: number;
  violations: number;
}

export function methodFigures(
  method: string,
  perMinute: number,
  calls: Call[],
  violations: RateLimitViolation[],
): MethodFigures {
  const mine = calls.filter((c) => c.method === method);
  const ok = mine.filter(succeeded).sort((a, b) => a.at - b.at);
  const perToken = new Map<string, number>();
  for (const c of ok) perToken.set(c.token ?? '-', (perToken.get(c.token ?? '-') ?? 0) + 1);
  const dup = [...perToken.values()].filter((n) => n > 1);
  const errors = mine.filter((c) => !succeeded(c) && c.status !== 429);
  const first = ok[0]?.at ?? NaN;
  const last = ok[ok.length - 1]?.at ?? NaN;
  const perWindow: number[] = [];
  for (const c of ok) {
    const i = Math.floor((c.at - first) / 60_000);
    while (perWindow.length <= i) perWindow.push(0);
    perWindow[i]++;
  }
  const firstWindowLast = ok.filter((c) => c.at < first + 60_000).pop()?.at ?? NaN;
  const fullWindows = ok.length ? Math.floor((last - first) / 60_000) : 0;
  const inFull = perWindow.slice(0, fullWindows).reduce((s, n) => s + n, 0);
  const restCalls = ok.length - inFull;
  const restSeconds = ok.length ? (last - (first + fullWindows * 60_000)) / 1000 : NaN;
  return {
    method,
    perMinute,
    calls: mine.length,
    successes: ok.length,
    tokens: perToken.size,
    duplicatedTokens: dup.length,
    duplicatedCalls: dup.reduce((s, n) => s + n - 1, 0),
    rateLimited: mine.filter((c) => c.status === 429).length,
    otherErrors: errors.length,
    firstErrors: [...new Set(errors.map((c) => `${c.status} ${c.error ?? ''}`.trim()))].slice(0, 5),
    first,
    last,
    perWindow,
    firstWindowSeconds: (firstWindowLast - first) / 1000,
    fullWindows,
    fullWindowRatio: fullWindows > 0 ? inFull / fullWindows / perMinute : NaN,
    restCalls,
    restSeconds,
    restPerMinute: restSeconds >= 10 ? (restCalls / restSeconds) * 60 : NaN,
    minimumSpanSeconds: 60 * Math.max(0, Math.ceil(ok.length / perMinute) - 1),
    busiestMinute: busiestWindow(
      ok.map((c) => c.at),
      60_000,
    ),
    violations: violations.filter((v) => v.method === method).length,
  };
}

/** Most timestamps (ascending) inside any window [t, t + width). */
export function busiestWindow(sortedAt: number[], width: number): number {
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sortedAt.length; hi++) {
    while (sortedAt[hi] - sortedAt[lo] >= width) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Per token, ms from the block's start to its first successful call of `method`. */
export function startToCall(
  method: string,
  calls: Call[],
  startByToken: Map<string, number>,
): number[] {
  const firstAt = new Map<string, number>();
  for (const c of calls) {
    if (c.method !== method || !succeeded(c) || !c.token) continue;
    const prev = firstAt.get(c.token);
    if (prev === undefined || c.at < prev) firstAt.set(c.token, c.at);
  }
  const out: number[] = [];
  for (const [token, at] of firstAt) {
    const start = startByToken.get(token);
    if (start !== undefined) out.push(at - start);
  }
  return out.sort((a, b) => a - b);
}

/** Successful calls and 429s per method in `bucketMs` buckets from `from`. */
export function timeline(
  methods: readonly string[],
  calls: Call[],
  from: number,
  bucketMs: number,
): { at: number; ok: number[]; limited: number[] }[] {
  const rows: { at: number; ok: number[]; limited: number[] }[] = [];
  for (const c of calls) {
    const m = methods.indexOf(c.method);
    if (m < 0) continue;
    const i = Math.floor((c.at - from) / bucketMs);
    if (i < 0) continue;
    while (rows.length <= i) {
      rows.push({
        at: from + rows.length * bucketMs,
        ok: methods.map(() => 0),
        limited: methods.map(() => 0),
      });
    }
    if (succeeded(c)) rows[i].ok[m]++;
    else if (c.status === 429) rows[i].limited[m]++;
  }
  return rows;
}
