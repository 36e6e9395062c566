/**
 * Which groups of a results breakdown may be shown (docs/contract.md, Anonymity). Pure, so the
 * anonymity guarantee can be checked by property tests rather than by example alone.
 *
 * A group below the threshold k is suppressed (primary suppression). Because the total is shown
 * too, hiding one group is not enough — total − (shown groups) would give it back — so more
 * groups are hidden (complementary suppression) until at least two are hidden and together they
 * hold at least k respondents, or nothing is left to hide.
 */

/** The product's floor for the anonymity threshold: nothing may be configured below it. */
export const MIN_ANONYMITY_THRESHOLD = 3;

export interface GroupSize {
  key: string;
  n: number;
}

/**
 * Keys of the groups to suppress in a breakdown, given the threshold k.
 *
 * `alsoSuppressed` seeds the set with groups that are hidden for another reason (for a single
 * question: the groups already suppressed for the whole breakdown), so the complementary rule
 * also covers them. The result does not depend on the order of `groups`.
 */
export function suppressedGroups(
  groups: GroupSize[],
  k: number,
  alsoSuppressed: Iterable<string> = [],
): Set<string> {
  assertThreshold(k);
  const keys = new Set<string>();
  for (const group of groups) {
    if (!Number.isSafeInteger(group.n) || group.n < 0) {
      throw new RangeError(
        `group ${group.key} size must be a non-negative integer, got ${group.n}`,
      );
    }
    if (keys.has(group.key)) throw new Error(`duplicate group key ${group.key}`);
    keys.add(group.key);
  }

  const suppressed = new Set<string>();
  let suppressedTotal = 0;
  const suppress = (group: GroupSize) => {
    suppressed.add(group.key);
    suppressedTotal += group.n;
  };

  const forced = new Set(alsoSuppressed);
  for (const key of forced) {
    if (!keys.has(key)) throw new Error(`unknown group key ${key}`);
  }
  for (const group of groups) {
    if (group.n < k || forced.has(group.key)) suppress(group);
  }

  // Smallest first, ties by key (code-unit order, not locale), so the outcome is deterministic.
  const candidates = groups
    .filter((g) => !suppressed.has(g.key))
    .sort((a, b) => a.n - b.n || compareKeys(a.key, b.key));
  for (const group of candidates) {
    const protectedEnough = suppressed.size >= 2 && suppressedTotal >= k;
    if (suppressed.size === 0 || protectedEnough) break;
    suppress(group);
  }
  return suppressed;
}

/** Whether a figure covering n distinct respondents may be shown under threshold k. */
export function isShareable(n: number, k: number): boolean {
  assertThreshold(k);
  return n >= k;
}

export function assertThreshold(k: number): void {
  if (!Number.isSafeInteger(k) || k < MIN_ANONYMITY_THRESHOLD) {
    throw new RangeError(
      `anonymity threshold must be an integer of at least ${MIN_ANONYMITY_THRESHOLD}, got ${k}`,
    );
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
