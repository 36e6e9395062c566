import fc from 'fast-check';
import type { Counts, QuestionDef } from './pulse-statistics';
import {
  type Comment,
  type GroupInput,
  type PublishedGroup,
  type RoundResultsInput,
  buildRoundResults,
  shuffle,
} from './round-results';

/** A small seeded RNG (mulberry32), so shuffles are reproducible. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const workload: QuestionDef = {
  id: 'q-workload',
  kind: 'scale5',
  prompt: 'Workload is manageable',
};
const recommend: QuestionDef = { id: 'q-enps', kind: 'enps', prompt: 'Would you recommend us?' };
const anythingElse: QuestionDef = { id: 'q-text', kind: 'text', prompt: 'Anything else?' };
const questions = [workload, recommend, anythingElse];

function group(
  key: string,
  name: string,
  respondents: number,
  counts: Record<string, Counts>,
  comments: Comment[] = [],
): GroupInput {
  return { key, name, respondents, counts, comments };
}

/** Adds up the groups' counts and comments into the round's overall figures. */
function overallOf(groups: GroupInput[]): RoundResultsInput['overall'] {
  const counts: Record<string, Counts> = {};
  for (const g of groups) {
    for (const [questionId, qCounts] of Object.entries(g.counts)) {
      const into = (counts[questionId] ??= {});
      for (const [value, c] of Object.entries(qCounts)) into[value] = (into[value] ?? 0) + c;
    }
  }
  return {
    respondents: groups.reduce((s, g) => s + g.respondents, 0),
    counts,
    comments: groups.flatMap((g) => g.comments),
  };
}

// Team A: 7 respondents. Team B: 3. Together they give the textbook figures of the statistics
// spec: scale5 {1:1,3:2,4:4,5:3} and enps {10:3,9:2,8:1,6:2,3:2}.
const teamA = group(
  'team-a',
  'Alpha',
  7,
  {
    'q-workload': { '3': 1, '4': 4, '5': 2 },
    'q-enps': { '10': 2, '9': 2, '8': 1, '6': 1, '3': 1 },
    'q-text': { answered: 2 },
  },
  [
    { questionId: 'q-text', text: 'Macros save my day' },
    { questionId: 'q-text', text: 'Too many escalations on Mondays' },
  ],
);
const teamB = group(
  'team-b',
  'Bravo',
  3,
  {
    'q-workload': { '1': 1, '3': 1, '5': 1 },
    'q-enps': { '10': 1, '6': 1, '3': 1 },
    'q-text': { answered: 1 },
  },
  [{ questionId: 'q-text', text: 'Night shift is lonely' }],
);
const teamC = group(
  'team-c',
  'Charlie',
  6,
  {
    'q-workload': { '2': 2, '4': 4 },
    'q-enps': { '9': 3, '7': 3 },
    'q-text': { answered: 1 },
  },
  [{ questionId: 'q-text', text: 'Great onboarding buddy' }],
);

const teamAFigures = [
  {
    questionId: 'q-workload',
    kind: 'scale5',
    prompt: 'Workload is manageable',
    n: 7,
    mean: 4.14, // 29 / 7
    distribution: { '1': 0, '2': 0, '3': 1, '4': 4, '5': 2 },
    favorability: 85.7, // 6 / 7
    enps: null,
    suppressed: false,
  },
  {
    questionId: 'q-enps',
    kind: 'enps',
    prompt: 'Would you recommend us?',
    n: 7,
    mean: 7.86, // 55 / 7
    distribution: {
      '0': 0,
      '1': 0,
      '2': 0,
      '3': 1,
      '4': 0,
      '5': 0,
      '6': 1,
      '7': 0,
      '8': 1,
      '9': 2,
      '10': 2,
    },
    favorability: null,
    enps: 28.6, // (4 − 2) / 7
    suppressed: false,
  },
  {
    questionId: 'q-text',
    kind: 'text',
    prompt: 'Anything else?',
    n: 2,
    mean: null,
    distribution: {},
    favorability: null,
    enps: null,
    suppressed: false,
  },
];

function input(groups: GroupInput[] | undefined, extra: Partial<RoundResultsInput> = {}) {
  const all = groups ?? [teamA, teamB];
  return {
    roundId: 'round-1',
    k: 5,
    questions,
    overall: overallOf(all),
    groups,
    random: seeded(42),
    ...extra,
  } satisfies RoundResultsInput;
}

function byKey(groups: PublishedGroup[] | undefined, key: string): PublishedGroup {
  const found = groups?.find((g) => g.key === key);
  if (!found) throw new Error(`no group ${key}`);
  return found;
}

const textsOf = (comments: Comment[]) => comments.map((c) => c.text).sort();

describe('buildRoundResults — teams A (7) and B (3), k = 5', () => {
  const results = buildRoundResults(input([teamA, teamB]));

  it('shows the round with its exact overall figures', () => {
    expect(results.suppressed).toBe(false);
    expect(results.respondents).toBe(10);
    expect(results.k).toBe(5);
    expect(results.roundId).toBe('round-1');
    expect(results.questions).toEqual([
      {
        questionId: 'q-workload',
        kind: 'scale5',
        prompt: 'Workload is manageable',
        n: 10,
        mean: 3.8,
        distribution: { '1': 1, '2': 0, '3': 2, '4': 4, '5': 3 },
        favorability: 70,
        enps: null,
        suppressed: false,
      },
      {
        questionId: 'q-enps',
        kind: 'enps',
        prompt: 'Would you recommend us?',
        n: 10,
        mean: 7.4,
        distribution: {
          '0': 0,
          '1': 0,
          '2': 0,
          '3': 2,
          '4': 0,
          '5': 0,
          '6': 2,
          '7': 0,
          '8': 1,
          '9': 2,
          '10': 3,
        },
        favorability: null,
        enps: 10,
        suppressed: false,
      },
      {
        questionId: 'q-text',
        kind: 'text',
        prompt: 'Anything else?',
        n: 3,
        mean: null,
        distribution: {},
        favorability: null,
        enps: null,
        suppressed: false,
      },
    ]);
  });

  it('suppresses both teams: B is below k, and A would give B back as total − A', () => {
    expect(results.groups).toEqual([
      { key: 'team-a', name: 'Alpha', suppressed: true },
      { key: 'team-b', name: 'Bravo', suppressed: true },
    ]);
  });

  it('shows every comment at round level only', () => {
    expect(textsOf(results.comments)).toEqual(textsOf([...teamA.comments, ...teamB.comments]));
    for (const g of results.groups ?? []) expect(g).not.toHaveProperty('comments');
  });
});

describe('buildRoundResults — teams A (7), B (3), C (6), k = 5', () => {
  const results = buildRoundResults(input([teamA, teamB, teamC]));

  it('suppresses B (below k) and C (the next smallest), and shows A with its exact figures', () => {
    expect(results.respondents).toBe(16);
    expect(byKey(results.groups, 'team-b')).toEqual({
      key: 'team-b',
      name: 'Bravo',
      suppressed: true,
    });
    expect(byKey(results.groups, 'team-c')).toEqual({
      key: 'team-c',
      name: 'Charlie',
      suppressed: true,
    });
    expect(byKey(results.groups, 'team-a')).toEqual({
      key: 'team-a',
      name: 'Alpha',
      suppressed: false,
      respondents: 7,
      questions: teamAFigures,
    });
  });

  it('keeps comments at round level, since a group of the breakdown is suppressed', () => {
    expect(byKey(results.groups, 'team-a')).not.toHaveProperty('comments');
    expect(textsOf(results.comments)).toEqual(
      textsOf([...teamA.comments, ...teamB.comments, ...teamC.comments]),
    );
  });

  it('carries only key, name and suppressed for suppressed groups', () => {
    const hidden = (results.groups ?? []).filter((g) => g.suppressed);
    expect(hidden).toHaveLength(2);
    for (const g of hidden) expect(Object.keys(g).sort()).toEqual(['key', 'name', 'suppressed']);
  });
});

describe('buildRoundResults — a breakdown with no suppressed group', () => {
  const results = buildRoundResults(input([teamC, teamA]));

  it('shows every group with its figures and its own comments', () => {
    const a = byKey(results.groups, 'team-a');
    const c = byKey(results.groups, 'team-c');
    expect(a).toMatchObject({ suppressed: false, respondents: 7, questions: teamAFigures });
    expect(textsOf(a.comments ?? [])).toEqual(textsOf(teamA.comments));
    expect(c).toMatchObject({ suppressed: false, respondents: 6 });
    expect(c.questions?.[0]).toMatchObject({ n: 6, mean: 3.33, favorability: 66.7 });
    expect(textsOf(c.comments ?? [])).toEqual(['Great onboarding buddy']);
  });

  it('still shows all comments at round level', () => {
    expect(textsOf(results.comments)).toEqual(textsOf([...teamA.comments, ...teamC.comments]));
  });
});

describe('buildRoundResults — a round below k', () => {
  const small = [
    group(
      'team-a',
      'Alpha',
      3,
      { 'q-workload': { '2': 1, '5': 2 }, 'q-enps': { '9': 3 }, 'q-text': { answered: 1 } },
      [{ questionId: 'q-text', text: 'A secret remark' }],
    ),
    group('team-b', 'Bravo', 1, { 'q-workload': { '5': 1 }, 'q-enps': { '0': 1 } }),
  ];
  // 4 respondents; workload mean 4.25 (17 / 4); enps mean 6.75, enps 50.
  const results = buildRoundResults({ ...input(small), roundId: 'round-quiet' });

  it('shows nothing but the fact that it is suppressed', () => {
    expect(results).toEqual({
      roundId: 'round-quiet',
      k: 5,
      suppressed: true,
      questions: [],
      groups: [
        { key: 'team-a', name: 'Alpha', suppressed: true },
        { key: 'team-b', name: 'Bravo', suppressed: true },
      ],
      comments: [],
    });
    expect(results).not.toHaveProperty('respondents');
  });

  it('leaks no number anywhere in what is published', () => {
    const json = JSON.stringify(results);
    expect(json).not.toContain('4'); // the respondent count (4) in any form
    expect(json).not.toContain('4.25');
    expect(json).not.toContain('6.75');
    expect(json).not.toContain('50');
    expect(json).not.toContain('secret');
    expect(json).not.toContain('respondents');
  });

  it('omits groups when no breakdown was asked for', () => {
    const plain = buildRoundResults({ ...input(small), groups: undefined });
    expect(plain.suppressed).toBe(true);
    expect(plain).not.toHaveProperty('groups');
  });

  it('suppresses at k − 1 and shows at exactly k', () => {
    const five = [group('team-a', 'Alpha', 5, { 'q-workload': { '4': 5 } })];
    expect(buildRoundResults(input(five, { groups: undefined })).suppressed).toBe(false);
    const four = [group('team-a', 'Alpha', 4, { 'q-workload': { '4': 4 } })];
    expect(buildRoundResults(input(four, { groups: undefined })).suppressed).toBe(true);
  });
});

describe('buildRoundResults — figures withheld per question', () => {
  it('withholds a question answered by fewer than k, keeping n', () => {
    const g = group('team-a', 'Alpha', 12, {
      'q-workload': { '4': 3 },
      'q-enps': { '9': 12 },
    });
    const results = buildRoundResults(input([g], { groups: undefined }));
    expect(results.questions[0]).toEqual({
      questionId: 'q-workload',
      kind: 'scale5',
      prompt: 'Workload is manageable',
      n: 3,
      mean: null,
      distribution: {},
      favorability: null,
      enps: null,
      suppressed: true,
    });
    expect(results.questions[1]).toMatchObject({ n: 12, enps: 100, suppressed: false });
  });

  it('withholds a question in both shown groups when one was answered by fewer than k', () => {
    // Both teams are shown, but only 2 of B answered workload: the round's 9 answers minus A's 7
    // would give B's 2 back, so A's workload figures are withheld too.
    const a = group('team-a', 'Alpha', 7, { 'q-workload': { '4': 7 }, 'q-enps': { '9': 7 } });
    const b = group('team-b', 'Bravo', 6, { 'q-workload': { '1': 2 }, 'q-enps': { '6': 6 } });
    const results = buildRoundResults(input([a, b]));
    expect(results.questions[0]).toMatchObject({ n: 9, mean: 3.33, suppressed: false });
    for (const key of ['team-a', 'team-b']) {
      const shown = byKey(results.groups, key);
      expect(shown.suppressed).toBe(false);
      expect(shown.questions?.[0]).toMatchObject({
        mean: null,
        distribution: {},
        suppressed: true,
      });
      expect(shown.questions?.[1]).toMatchObject({ suppressed: false });
    }
    expect(byKey(results.groups, 'team-a').questions?.[1].enps).toBe(100);
    expect(byKey(results.groups, 'team-b').questions?.[1].enps).toBe(-100);
  });

  it('withholds a shown group’s question when the suppressed groups answered it fewer than k times', () => {
    // B and C (3 + 6 respondents) are suppressed, but only 4 of them answered workload:
    // the round's 11 answers minus A's 7 would publish those 4, so A's workload is withheld.
    const a = group('team-a', 'Alpha', 7, { 'q-workload': { '5': 7 }, 'q-enps': { '9': 7 } });
    const b = group('team-b', 'Bravo', 3, { 'q-workload': { '1': 3 }, 'q-enps': { '9': 3 } });
    const c = group('team-c', 'Charlie', 6, { 'q-workload': { '1': 1 }, 'q-enps': { '9': 6 } });
    const results = buildRoundResults(input([a, b, c]));
    expect(results.questions[0]).toMatchObject({ n: 11, suppressed: false });
    const shownA = byKey(results.groups, 'team-a');
    expect(shownA.questions?.[0]).toMatchObject({ n: 7, mean: null, suppressed: true });
    expect(shownA.questions?.[1]).toMatchObject({ n: 7, enps: 100, suppressed: false });
  });
});

describe('buildRoundResults — comments', () => {
  const many = Array.from({ length: 8 }, (_, i) => ({
    questionId: 'q-text',
    text: `comment ${i}`,
    // what a careless caller might pass along: none of it may be published
    id: `row-${i}`,
    createdAt: '2026-03-02T09:1' + i + ':00Z',
    respondentKey: `resp-${i}`,
  }));
  const withComments = group('team-a', 'Alpha', 9, { 'q-text': { answered: 8 } }, many);

  it('shuffles with the injected RNG: same items, another order', () => {
    const results = buildRoundResults(input([withComments], { groups: undefined }));
    const texts = results.comments.map((c) => c.text);
    expect(texts).not.toEqual(many.map((c) => c.text));
    expect([...texts].sort()).toEqual(many.map((c) => c.text).sort());
  });

  it('is reproducible with the same seed', () => {
    const once = buildRoundResults(input([withComments], { groups: undefined, random: seeded(7) }));
    const twice = buildRoundResults(
      input([withComments], { groups: undefined, random: seeded(7) }),
    );
    expect(twice.comments).toEqual(once.comments);
  });

  it('publishes only the question id and the text — no ids, no timestamps', () => {
    const results = buildRoundResults(input([withComments]));
    const published = [...results.comments, ...(results.groups?.[0].comments ?? [])];
    expect(published).toHaveLength(16);
    for (const c of published) expect(Object.keys(c).sort()).toEqual(['questionId', 'text']);
    const json = JSON.stringify(results);
    expect(json).not.toContain('row-');
    expect(json).not.toContain('2026');
    expect(json).not.toContain('resp-');
  });

  it('drops blank comments', () => {
    const blanks = group('team-a', 'Alpha', 6, {}, [
      { questionId: 'q-text', text: '  ' },
      { questionId: 'q-text', text: 'real' },
      { questionId: 'q-text', text: '' },
    ]);
    expect(buildRoundResults(input([blanks])).comments).toEqual([
      { questionId: 'q-text', text: 'real' },
    ]);
  });

  it('uses Math.random when no RNG is given', () => {
    const { random: _unused, ...rest } = input([withComments]);
    const results = buildRoundResults(rest);
    expect(results.comments).toHaveLength(8);
  });
});

describe('buildRoundResults — group order', () => {
  const x = group('k1', 'Zulu', 8, { 'q-workload': { '4': 8 } });
  const y = group('k2', 'Alpha', 30, { 'q-workload': { '5': 30 } });
  const z = group('k3', 'mike', 6, { 'q-workload': { '3': 6 } });

  it('lists groups by name whatever the input order (not by size or key)', () => {
    for (const order of [
      [x, y, z],
      [z, y, x],
      [y, x, z],
    ]) {
      const names = buildRoundResults(input(order)).groups?.map((g) => g.name);
      expect(names).toEqual(['Alpha', 'mike', 'Zulu']);
    }
  });

  it('lists suppressed groups by name too', () => {
    const tiny = [group('k9', 'Zulu', 1, {}), group('k8', 'Bravo', 2, {}), y];
    const groups = buildRoundResults(input(tiny)).groups ?? [];
    expect(groups.map((g) => g.name)).toEqual(['Alpha', 'Bravo', 'Zulu']);
    expect(groups.map((g) => g.suppressed)).toEqual([true, true, true]);
  });

  it('publishes the same result for any input order', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([teamA, teamB, teamC, x, z], { minLength: 5 }),
        (reordered) => {
          const canonical = input([teamA, teamB, teamC, x, z]);
          const reference = buildRoundResults(canonical);
          // Same round (same RNG seed), only the breakdown's input order differs.
          const again = buildRoundResults({
            ...input([teamA, teamB, teamC, x, z]),
            groups: reordered,
          });
          expect(again).toEqual(reference);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('buildRoundResults — bad input', () => {
  it('refuses a threshold below the floor of 3', () => {
    expect(() => buildRoundResults(input([teamA, teamB], { k: 2 }))).toThrow(RangeError);
  });

  it('refuses negative respondent counts', () => {
    const bad = { ...teamA, respondents: -1 };
    expect(() => buildRoundResults(input([bad, teamB]))).toThrow(RangeError);
  });

  it('refuses duplicate group keys', () => {
    expect(() => buildRoundResults(input([teamA, { ...teamB, key: 'team-a' }]))).toThrow(
      /duplicate/,
    );
  });
});

describe('buildRoundResults — every published figure covers at least k people (property)', () => {
  const scale = { id: 'q', kind: 'scale5', prompt: 'p' } satisfies QuestionDef;
  const groupGen = fc
    .record({
      counts: fc.array(fc.nat({ max: 6 }), { minLength: 5, maxLength: 5 }),
      skipped: fc.nat({ max: 4 }),
    })
    .filter(({ counts, skipped }) => counts.reduce((a, b) => a + b, 0) + skipped > 0);
  const arb = fc.record({
    k: fc.integer({ min: 3, max: 8 }),
    groups: fc.array(groupGen, { minLength: 1, maxLength: 6 }),
  });

  it('holds for the round, each group and each question, also by differencing', () => {
    fc.assert(
      fc.property(arb, ({ k, groups: raw }) => {
        const groups = raw.map(({ counts, skipped }, i) =>
          group(
            `g${i}`,
            `Team ${i}`,
            counts.reduce((a, b) => a + b, 0) + skipped,
            { q: Object.fromEntries(counts.map((c, v) => [String(v + 1), c])) },
            [],
          ),
        );
        const results = buildRoundResults({
          roundId: 'r',
          k,
          questions: [scale],
          overall: overallOf(groups),
          groups,
          random: seeded(1),
        });
        if (results.suppressed) return;
        const round = results.questions[0];
        if (!round.suppressed) expect(round.n).toBeGreaterThanOrEqual(k);

        const published = (results.groups ?? []).filter((g) => !g.suppressed);
        for (const g of published) expect(g.respondents).toBeGreaterThanOrEqual(k);
        const withFigures = published.filter((g) => !g.questions?.[0].suppressed);
        for (const g of withFigures) expect(g.questions?.[0].n).toBeGreaterThanOrEqual(k);

        // What the round's figures minus the groups' published figures reveal about the rest.
        if (withFigures.length > 0) {
          expect(round.suppressed).toBe(false);
          const residual = round.n - withFigures.reduce((s, g) => s + (g.questions?.[0].n ?? 0), 0);
          expect(residual === 0 || residual >= k).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('shuffle', () => {
  it('is Fisher–Yates: always drawing 0 rotates the first item to the end', () => {
    // i=3 swaps 3↔0, i=2 swaps 2↔0, i=1 swaps 1↔0
    expect(shuffle(['a', 'b', 'c', 'd'], () => 0)).toEqual(['b', 'c', 'd', 'a']);
  });

  it('always drawing just below 1 keeps the order', () => {
    expect(shuffle(['a', 'b', 'c', 'd'], () => 0.999999)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('returns a new array and leaves the input untouched', () => {
    const items = Object.freeze([1, 2, 3]);
    const out = shuffle(items, seeded(3));
    expect(out).not.toBe(items);
    expect(items).toEqual([1, 2, 3]);
  });

  it('handles empty and single-item lists', () => {
    expect(shuffle([], () => 0.5)).toEqual([]);
    expect(shuffle(['only'], () => 0.5)).toEqual(['only']);
  });

  it('reaches every order of three items', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++)
      seen.add(shuffle(['a', 'b', 'c'], seeded(seed)).join(''));
    expect([...seen].sort()).toEqual(['abc', 'acb', 'bac', 'bca', 'cab', 'cba']);
  });

  it('refuses an RNG outside [0, 1)', () => {
    expect(() => shuffle([1, 2], () => 1)).toThrow(RangeError);
    expect(() => shuffle([1, 2], () => -0.1)).toThrow(RangeError);
    expect(() => shuffle([1, 2], () => Number.NaN)).toThrow(RangeError);
  });

  it('is a permutation of its input (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer(), (items, seed) => {
        const out = shuffle(items, seeded(seed));
        expect([...out].sort((p, q) => p - q)).toEqual([...items].sort((p, q) => p - q));
      }),
    );
  });
});
