import fc from 'fast-check';
import { type GroupSize, isShareable, suppressedGroups } from './suppression';

/** Groups named a, b, c… in the order of the sizes given. */
function groupsOf(...sizes: number[]): GroupSize[] {
  return sizes.map((n, i) => ({ key: String.fromCharCode(97 + i), n }));
}

function sorted(set: Set<string>): string[] {
  return [...set].sort();
}

describe('suppressedGroups — examples (k = 5)', () => {
  it.each([
    ['[7, 3]: hiding 3 alone would give it back as total − 7, so both', [7, 3], ['a', 'b']],
    ['[7, 3, 6]: 3 + the next smallest, 6, hold 9 ≥ 5', [7, 3, 6], ['b', 'c']],
    ['[7, 6]: nothing below k', [7, 6], []],
    ['[2, 2, 9, 9]: 2 + 2 = 4 < 5, so a 9 too (the first by key)', [2, 2, 9, 9], ['a', 'b', 'c']],
    ['[4]: a lone small group', [4], ['a']],
    ['[5, 5]: exactly k is shown', [5, 5], []],
    [
      '[1, 1, 1, 1, 1, 20]: five small groups together reach k',
      [1, 1, 1, 1, 1, 20],
      ['a', 'b', 'c', 'd', 'e'],
    ],
    [
      '[1, 1, 1, 20, 30]: three small groups hold 3, so the 20 too',
      [1, 1, 1, 20, 30],
      ['a', 'b', 'c', 'd'],
    ],
    ['[4, 4, 8]: two small groups already hold 8', [4, 4, 8], ['a', 'b']],
    ['[]: no groups', [], []],
  ])('%s', (_label, sizes, expected) => {
    expect(sorted(suppressedGroups(groupsOf(...sizes), 5))).toEqual(expected);
  });

  it('breaks ties between equally small groups by key, whatever the input order', () => {
    const groups = [
      { key: 'zeta', n: 8 },
      { key: 'alpha', n: 8 },
      { key: 'mid', n: 2 },
    ];
    expect(sorted(suppressedGroups(groups, 5))).toEqual(['alpha', 'mid']);
    expect(sorted(suppressedGroups([...groups].reverse(), 5))).toEqual(['alpha', 'mid']);
  });

  it('treats a group with no respondents as suppressed, adding nothing to the hidden total', () => {
    expect(sorted(suppressedGroups(groupsOf(0, 9, 7), 5))).toEqual(['a', 'c']);
  });
});

describe('suppressedGroups — seeded with groups hidden for another reason', () => {
  it('extends a seeded single group to a protected set', () => {
    // 'a' is hidden elsewhere; alone it would be total − b − c, so c (the smallest) joins it.
    expect(sorted(suppressedGroups(groupsOf(9, 8, 6), 5, ['a']))).toEqual(['a', 'c']);
  });

  it('adds groups until the seeded ones hold k together', () => {
    expect(sorted(suppressedGroups(groupsOf(1, 1, 6, 7), 5, ['a', 'b']))).toEqual(['a', 'b', 'c']);
  });

  it('adds nothing when the seeded groups are already protected', () => {
    expect(sorted(suppressedGroups(groupsOf(6, 6, 9), 5, ['a', 'b']))).toEqual(['a', 'b']);
  });

  it('rejects an unknown seeded key', () => {
    expect(() => suppressedGroups(groupsOf(6, 6), 5, ['x'])).toThrow(/unknown group/);
  });
});

describe('suppressedGroups — bad input', () => {
  it.each([2, 0, -5, 4.5, Number.NaN])('refuses the threshold %d (floor 3)', (k) => {
    expect(() => suppressedGroups(groupsOf(10, 10), k)).toThrow(RangeError);
  });

  it('accepts the floor 3', () => {
    expect(sorted(suppressedGroups(groupsOf(2, 10), 3))).toEqual(['a', 'b']);
  });

  it('refuses duplicate keys, negative and fractional sizes', () => {
    expect(() =>
      suppressedGroups(
        [
          { key: 'a', n: 5 },
          { key: 'a', n: 6 },
        ],
        5,
      ),
    ).toThrow(/duplicate/);
    expect(() => suppressedGroups(groupsOf(-1, 6), 5)).toThrow(RangeError);
    expect(() => suppressedGroups(groupsOf(2.5, 6), 5)).toThrow(RangeError);
  });
});

describe('isShareable', () => {
  it('is n ≥ k', () => {
    expect(isShareable(4, 5)).toBe(false);
    expect(isShareable(5, 5)).toBe(true);
    expect(isShareable(6, 5)).toBe(true);
    expect(isShareable(0, 3)).toBe(false);
  });

  it('refuses a threshold below 3', () => {
    expect(() => isShareable(10, 2)).toThrow(RangeError);
  });
});

describe('suppressedGroups — the anonymity guarantee (properties)', () => {
  const threshold = fc.integer({ min: 3, max: 10 });
  /** 1–12 groups with distinct keys and 1–30 respondents each. */
  const breakdown = fc
    .uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 })
    .chain((keys) =>
      fc.tuple(...keys.map((key) => fc.integer({ min: 1, max: 30 }).map((n) => ({ key, n })))),
    );
  const sum = (groups: GroupSize[]) => groups.reduce((s, g) => s + g.n, 0);

  it('(a) every shown group has at least k respondents', () => {
    fc.assert(
      fc.property(threshold, breakdown, (k, groups) => {
        const hidden = suppressedGroups(groups, k);
        for (const g of groups.filter((g) => !hidden.has(g.key))) {
          expect(g.n).toBeGreaterThanOrEqual(k);
        }
      }),
    );
  });

  it('(b) hidden groups are never alone and together hold at least k — unless all are hidden', () => {
    fc.assert(
      fc.property(threshold, breakdown, (k, groups) => {
        const hidden = suppressedGroups(groups, k);
        const allHidden = hidden.size === groups.length;
        if (hidden.size === 0 || allHidden) return;
        expect(hidden.size).toBeGreaterThanOrEqual(2);
        expect(sum(groups.filter((g) => hidden.has(g.key)))).toBeGreaterThanOrEqual(k);
      }),
    );
  });

  it('(c) no hidden group can be recovered as total − shown groups', () => {
    fc.assert(
      fc.property(threshold, breakdown, (k, groups) => {
        const hidden = suppressedGroups(groups, k);
        const shown = groups.filter((g) => !hidden.has(g.key));
        if (shown.length === 0) return; // nothing but the total is published
        const residual = sum(groups) - sum(shown);
        for (const g of groups.filter((g) => hidden.has(g.key))) {
          // The residual mixes g with at least one other hidden (non-empty) group, so it is
          // never g's own size, and it holds enough people to be reported on its own.
          expect(residual).not.toBe(g.n);
          expect(residual).toBeGreaterThanOrEqual(k);
        }
        expect(hidden.size).not.toBe(1);
      }),
    );
  });

  it('suppresses every group below k, and nothing when no group is below k', () => {
    fc.assert(
      fc.property(threshold, breakdown, (k, groups) => {
        const hidden = suppressedGroups(groups, k);
        for (const g of groups.filter((g) => g.n < k)) expect(hidden.has(g.key)).toBe(true);
        if (groups.every((g) => g.n >= k)) expect(hidden.size).toBe(0);
      }),
    );
  });

  it('hides the smallest groups first: no complementary pick is larger than a shown group', () => {
    fc.assert(
      fc.property(threshold, breakdown, (k, groups) => {
        const hidden = suppressedGroups(groups, k);
        const shown = groups.filter((g) => !hidden.has(g.key));
        const complementary = groups.filter((g) => hidden.has(g.key) && g.n >= k);
        for (const c of complementary) {
          for (const s of shown) expect(c.n).toBeLessThanOrEqual(s.n);
        }
      }),
    );
  });

  it('is deterministic and independent of the input order', () => {
    fc.assert(
      fc.property(
        threshold,
        breakdown.chain((groups) =>
          fc.tuple(fc.constant(groups), fc.shuffledSubarray(groups, { minLength: groups.length })),
        ),
        (k, [groups, reordered]) => {
          const first = sorted(suppressedGroups(groups, k));
          expect(sorted(suppressedGroups(groups, k))).toEqual(first);
          expect(sorted(suppressedGroups(reordered, k))).toEqual(first);
        },
      ),
    );
  });
});
