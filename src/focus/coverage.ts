/**
 * The coverage guard (docs/contract.md): a focus block must not leave the agent's team with fewer
 * on-duty agents than its `minOnDuty` at any moment of the block. Pure; the service feeds it the
 * team's size and the other members' live blocks.
 */
export interface Interval {
  start: Date;
  end: Date;
}

export type CoverageVerdict = { fits: true } | { fits: false; nextFit: Date | null };

/** The most other blocks running at the same moment within [start, end). */
export function maxConcurrent(others: Interval[], start: Date, end: Date): number {
  const events: [number, number][] = [];
  for (const o of others) {
    const s = Math.max(o.start.getTime(), start.getTime());
    const e = Math.min(o.end.getTime(), end.getTime());
    if (s < e) events.push([s, 1], [e, -1]);
  }
  // Ends before starts at the same instant: back-to-back blocks do not overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let current = 0;
  let max = 0;
  for (const [, delta] of events) {
    current += delta;
    max = Math.max(max, current);
  }
  return max;
}

/** How far ahead the guard looks for the next time the block would fit. */
export const NEXT_FIT_HORIZON_MS = 7 * 24 * 3_600_000;

export function checkCoverage(input: {
  teamSize: number;
  minOnDuty: number;
  others: Interval[];
  start: Date;
  end: Date;
}): CoverageVerdict {
  const { teamSize, minOnDuty, others, start, end } = input;
  if (minOnDuty <= 0) return { fits: true };
  // On duty while I focus: everyone else who is not focusing at that moment.
  const allowed = teamSize - 1 - minOnDuty;
  const fitsAt = (s: Date) =>
    allowed >= 0 &&
    maxConcurrent(others, s, new Date(s.getTime() + (end.getTime() - start.getTime()))) <= allowed;
  if (fitsAt(start)) return { fits: true };
  if (allowed < 0) return { fits: false, nextFit: null };
  // Concurrency only drops when another block ends: those are the candidate starts.
  const candidates = [...new Set(others.map((o) => o.end.getTime()))]
    .filter((t) => t > start.getTime() && t <= start.getTime() + NEXT_FIT_HORIZON_MS)
    .sort((a, b) => a - b);
  for (const t of candidates) {
    if (fitsAt(new Date(t))) return { fits: false, nextFit: new Date(t) };
  }
  return { fits: false, nextFit: null };
}
