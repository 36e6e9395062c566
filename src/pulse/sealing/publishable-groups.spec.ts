import fc from 'fast-check';
import { MERGED_TEAM_ID, mergeUnpublishable } from './publishable-groups';

const responses = (sizes: Record<string, number>) =>
  Object.entries(sizes).flatMap(([team, n]) =>
    Array.from({ length: n }, (_, i) => ({ teamId: team === 'none' ? null : team, i })),
  );
const teamsOf = (rs: { teamId: string | null }[]) => {
  const out = new Map<string | null, number>();
  for (const r of rs) out.set(r.teamId, (out.get(r.teamId) ?? 0) + 1);
  return out;
};

describe('mergeUnpublishable', () => {
  it('leaves publishable teams alone', () => {
    const input = responses({ a: 6, b: 5 });
    expect(mergeUnpublishable(input, 5)).toEqual({ responses: input, merged: [] });
  });

  it('merges a one-person team with the next smallest, so the merged group holds k', () => {
    const { responses: out, merged } = mergeUnpublishable(responses({ a: 10, b: 6, solo: 1 }), 5);
    expect(new Set(merged)).toEqual(new Set(['solo', 'b']));
    expect(teamsOf(out)).toEqual(
      new Map([
        ['a', 10],
        [MERGED_TEAM_ID, 7],
      ]),
    );
  });

  it('with two groups and the total shown, merges both (7 and 3)', () => {
    const { responses: out } = mergeUnpublishable(responses({ a: 7, none: 3 }), 5);
    expect(teamsOf(out)).toEqual(new Map([[MERGED_TEAM_ID, 10]]));
  });

  it('never stores a real team below k, and a merged group below k only when the round is', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd', 'none'), fc.integer({ min: 1, max: 12 })),
        fc.integer({ min: 3, max: 8 }),
        (sizes, k) => {
          const input = responses(sizes);
          const { responses: out } = mergeUnpublishable(input, k);
          expect(out).toHaveLength(input.length);
          for (const [team, n] of teamsOf(out)) {
            if (team !== MERGED_TEAM_ID) expect(n).toBeGreaterThanOrEqual(k);
            else if (input.length >= k) expect(n).toBeGreaterThanOrEqual(k);
          }
        },
      ),
    );
  });
});
