/**
 * At rest after close, a response carries a team only where that team's group is publishable
 * under the round's k, after complementary suppression (result-building/suppression.ts). The groups that
 * are not are stored merged into one group, MERGED_TEAM_ID, so no row ever pairs a small team —
 * a one-person team, someone moved into one while the round was open — with its answers.
 * Results show the merged group like any other: at least k when anything is published, and
 * equal to the total minus the published groups, so it tells nothing new.
 */
import { suppressedGroups } from '../result-building/suppression';

/** Not a real team: the stored group of every team that was not publishable at close. */
export const MERGED_TEAM_ID = 'ffffffff-ffff-4fff-bfff-ffffffffffff';

const NO_TEAM = 'no-team';

/** The teams (null: "no team") whose group is not publishable under k, given group sizes. */
export function mergedTeams(
  sizes: { teamId: string | null; respondents: number }[],
  k: number,
): (string | null)[] {
  const suppressed = suppressedGroups(
    sizes.map((g) => ({ key: g.teamId ?? NO_TEAM, n: g.respondents })),
    k,
  );
  return [...suppressed].map((key) => (key === NO_TEAM ? null : key));
}

/**
 * The same responses with unpublishable teams replaced by MERGED_TEAM_ID (order kept), and the
 * teams so merged (null for "no team").
 */
export function mergeUnpublishable<T extends { teamId: string | null }>(
  responses: T[],
  k: number,
): { responses: T[]; merged: (string | null)[] } {
  const sizes = new Map<string | null, number>();
  for (const r of responses) sizes.set(r.teamId, (sizes.get(r.teamId) ?? 0) + 1);
  const merged = mergedTeams(
    [...sizes].map(([teamId, respondents]) => ({ teamId, respondents })),
    k,
  );
  if (merged.length === 0) return { responses, merged };
  const hidden = new Set(merged);
  return {
    responses: responses.map((r) => (hidden.has(r.teamId) ? { ...r, teamId: MERGED_TEAM_ID } : r)),
    merged,
  };
}
