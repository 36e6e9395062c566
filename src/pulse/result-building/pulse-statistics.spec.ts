import fc from 'fast-check';
import {
  type Counts,
  type QuestionDef,
  ENPS_VALUES,
  SCALE5_VALUES,
  figuresFromCounts,
} from './pulse-statistics';

const scale5: QuestionDef = { id: 'q-workload', kind: 'scale5', prompt: 'Workload is manageable' };
const enps: QuestionDef = { id: 'q-enps', kind: 'enps', prompt: 'Would you recommend us?' };
const text: QuestionDef = { id: 'q-text', kind: 'text', prompt: 'Anything else?' };
const choice: QuestionDef = {
  id: 'q-tool',
  kind: 'choice',
  prompt: 'Which tool slows you down most?',
  options: ['Zendesk', 'Slack', 'Jira'],
};

describe('figuresFromCounts — scale5', () => {
  it('computes n, mean, favorability and a distribution with zeros', () => {
    expect(figuresFromCounts(scale5, { '1': 1, '2': 0, '3': 2, '4': 4, '5': 3 })).toEqual({
      questionId: 'q-workload',
      kind: 'scale5',
      prompt: 'Workload is manageable',
      n: 10,
      mean: 3.8,
      distribution: { '1': 1, '2': 0, '3': 2, '4': 4, '5': 3 },
      favorability: 70,
      enps: null,
    });
  });

  it('fills every value 1..5 even when the counts omit some', () => {
    expect(figuresFromCounts(scale5, { '5': 2 }).distribution).toEqual({
      '1': 0,
      '2': 0,
      '3': 0,
      '4': 0,
      '5': 2,
    });
  });

  it.each([
    // counts, mean, favorability
    [{ '4': 1, '5': 2 }, 4.67, 100], // 14/3 = 4.666… → 4.67
    [{ '1': 2, '2': 1 }, 1.33, 0], // 4/3 = 1.333… → 1.33
    [{ '3': 1, '4': 1, '5': 1 }, 4, 66.7], // 2/3 favourable = 66.66…% → 66.7
    [{ '1': 1, '2': 1, '4': 1 }, 2.33, 33.3],
    [{ '1': 5, '5': 3 }, 2.5, 37.5], // 20/8 = 2.5; 3/8 = 37.5%
    // 601/200 = 3.005 exactly: half rounds up to 3.01 (naive float rounding gives 3)
    [{ '3': 199, '4': 1 }, 3.01, 0.5],
    // 41/40 = 1.025 exactly: 1.03 (dividing before scaling gives 102.49999… and so 1.02)
    [{ '1': 39, '2': 1 }, 1.03, 0],
    // 1/16 favourable = 6.25% → 6.3 (half up)
    [{ '1': 15, '4': 1 }, 1.19, 6.3],
  ])('counts %j → mean %d, favorability %d', (counts, mean, favorability) => {
    const figures = figuresFromCounts(scale5, counts);
    expect(figures.mean).toBe(mean);
    expect(figures.favorability).toBe(favorability);
  });
});

describe('figuresFromCounts — enps', () => {
  it('is % promoters minus % detractors, passives (7–8) counting only in n', () => {
    const figures = figuresFromCounts(enps, { '10': 3, '9': 2, '8': 1, '6': 2, '3': 2 });
    expect(figures.n).toBe(10);
    expect(figures.enps).toBe(10); // 50 − 40
    expect(figures.mean).toBe(7.4); // (30+18+8+12+6)/10
    expect(figures.favorability).toBeNull();
    expect(figures.distribution).toEqual({
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
    });
  });

  it.each([
    [{ '10': 4 }, 100],
    [{ '0': 4 }, -100],
    [{ '7': 3, '8': 5 }, 0],
    [{ '6': 1, '7': 1, '9': 1 }, 0], // 6 is a detractor, 7 a passive
    [{ '0': 2, '9': 1 }, -33.3],
    [{ '9': 2, '5': 1 }, 33.3],
    [{ '0': 1, '7': 15 }, -6.3], // −6.25 rounds away from zero, and is never −0
  ])('counts %j → enps %d', (counts, expected) => {
    expect(figuresFromCounts(enps, counts).enps).toBe(expected);
  });

  it('publishes 0, not −0, when promoters and detractors balance', () => {
    expect(Object.is(figuresFromCounts(enps, { '0': 1, '10': 1 }).enps, 0)).toBe(true);
  });
});

describe('figuresFromCounts — choice', () => {
  it('lists every option with its count, no mean, favorability or enps', () => {
    expect(figuresFromCounts(choice, { Zendesk: 3, Jira: 2 })).toEqual({
      questionId: 'q-tool',
      kind: 'choice',
      prompt: 'Which tool slows you down most?',
      n: 5,
      mean: null,
      distribution: { Zendesk: 3, Slack: 0, Jira: 2 },
      favorability: null,
      enps: null,
    });
  });

  it('reads options named like Object.prototype members as plain options', () => {
    const odd: QuestionDef = { ...choice, options: ['constructor', 'toString', '__proto__'] };
    const figures = figuresFromCounts(odd, JSON.parse('{"__proto__": 2, "toString": 1}'));
    expect(figures.n).toBe(3);
    expect(Object.entries(figures.distribution)).toEqual([
      ['constructor', 0],
      ['toString', 1],
      ['__proto__', 2],
    ]);
  });

  it('counts a duplicated option once', () => {
    const dup: QuestionDef = { ...choice, options: ['Slack', 'Slack', 'Jira'] };
    expect(figuresFromCounts(dup, { Slack: 2, Jira: 1 })).toMatchObject({
      n: 3,
      distribution: { Slack: 2, Jira: 1 },
    });
  });

  it('throws for a choice question without options', () => {
    expect(() => figuresFromCounts({ ...choice, options: [] }, {})).toThrow(/no options/);
    expect(() => figuresFromCounts({ ...choice, options: undefined }, {})).toThrow(/no options/);
  });
});

describe('figuresFromCounts — text', () => {
  it('takes n from { answered } and carries no figures', () => {
    expect(figuresFromCounts(text, { answered: 4 })).toEqual({
      questionId: 'q-text',
      kind: 'text',
      prompt: 'Anything else?',
      n: 4,
      mean: null,
      distribution: {},
      favorability: null,
      enps: null,
    });
  });

  it('ignores any other key', () => {
    expect(figuresFromCounts(text, { '5': 3, answered: 1 }).n).toBe(1);
  });
});

describe('figuresFromCounts — no answers', () => {
  it.each([
    ['scale5', scale5, { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 }],
    ['enps', enps, Object.fromEntries(ENPS_VALUES.map((v) => [v, 0]))],
    ['choice', choice, { Zendesk: 0, Slack: 0, Jira: 0 }],
  ])('%s: n 0, null figures, zero distribution', (_kind, question, zeros) => {
    for (const counts of [{}, zeros]) {
      expect(figuresFromCounts(question, counts)).toMatchObject({
        n: 0,
        mean: null,
        favorability: null,
        enps: null,
        distribution: zeros,
      });
    }
  });

  it('text with no comments has n 0', () => {
    expect(figuresFromCounts(text, {}).n).toBe(0);
  });
});

describe('figuresFromCounts — defensive', () => {
  it('ignores keys that are not possible values for the kind', () => {
    const figures = figuresFromCounts(scale5, { '4': 2, '0': 9, '6': 9, null: 3, four: 1 });
    expect(figures.n).toBe(2);
    expect(figures.mean).toBe(4);
    expect(Object.keys(figures.distribution)).toEqual(['1', '2', '3', '4', '5']);
    expect(figuresFromCounts(enps, { '11': 5, '-1': 5, '10': 1 }).n).toBe(1);
    expect(figuresFromCounts(choice, { Teams: 5, Slack: 1 }).n).toBe(1);
  });

  it.each([
    ['negative', { '3': -1 }],
    ['fractional', { '3': 1.5 }],
    ['NaN', { '3': Number.NaN }],
    ['infinite', { '3': Number.POSITIVE_INFINITY }],
    ['a string (e.g. a bigint count from pg left unconverted)', { '3': '2' as unknown as number }],
    ['bad, even under an ignored key', { '3': 1, junk: -2 }],
  ])('throws on a count that is %s', (_label, counts) => {
    expect(() => figuresFromCounts(scale5, counts)).toThrow(RangeError);
  });

  it('throws on a bad text count', () => {
    expect(() => figuresFromCounts(text, { answered: -1 })).toThrow(RangeError);
  });
});

describe('figuresFromCounts — properties', () => {
  const countsOver = (values: readonly string[]) =>
    fc.dictionary(fc.constantFrom(...values), fc.nat({ max: 1000 }), { maxKeys: values.length });

  const valueRange = (counts: Counts): [number, number] => {
    const present = Object.entries(counts)
      .filter(([, c]) => c > 0)
      .map(([v]) => Number(v));
    return [Math.min(...present), Math.max(...present)];
  };

  const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);

  it('scale5: favorability in [0, 100], mean within the answers given, distribution sums to n', () => {
    fc.assert(
      fc.property(countsOver(SCALE5_VALUES), (counts) => {
        const f = figuresFromCounts(scale5, counts);
        expect(sum(f.distribution)).toBe(f.n);
        expect(f.n).toBe(sum(counts));
        if (f.n === 0) {
          expect(f.mean).toBeNull();
          expect(f.favorability).toBeNull();
          return;
        }
        const [min, max] = valueRange(counts);
        expect(f.mean).toBeGreaterThanOrEqual(min);
        expect(f.mean).toBeLessThanOrEqual(max);
        expect(f.favorability).toBeGreaterThanOrEqual(0);
        expect(f.favorability).toBeLessThanOrEqual(100);
        // within rounding of the exact share
        const exact = (100 * ((counts['4'] ?? 0) + (counts['5'] ?? 0))) / f.n;
        expect(Math.abs((f.favorability as number) - exact)).toBeLessThanOrEqual(0.05 + 1e-9);
      }),
    );
  });

  it('enps: score in [−100, 100], mean within the answers given, distribution sums to n', () => {
    fc.assert(
      fc.property(countsOver(ENPS_VALUES), (counts) => {
        const f = figuresFromCounts(enps, counts);
        expect(sum(f.distribution)).toBe(f.n);
        expect(f.n).toBe(sum(counts));
        if (f.n === 0) {
          expect(f.enps).toBeNull();
          expect(f.mean).toBeNull();
          return;
        }
        const [min, max] = valueRange(counts);
        expect(f.mean).toBeGreaterThanOrEqual(min);
        expect(f.mean).toBeLessThanOrEqual(max);
        expect(f.enps).toBeGreaterThanOrEqual(-100);
        expect(f.enps).toBeLessThanOrEqual(100);
        // figures have at most the promised number of decimals
        expect(Math.round((f.enps as number) * 10) / 10).toBe(f.enps);
        expect(Math.round((f.mean as number) * 100) / 100).toBe(f.mean);
      }),
    );
  });

  it('choice: distribution lists exactly the options and sums to n', () => {
    fc.assert(
      fc.property(countsOver(choice.options as string[]), (counts) => {
        const f = figuresFromCounts(choice, counts);
        expect(Object.keys(f.distribution)).toEqual(choice.options);
        expect(sum(f.distribution)).toBe(f.n);
        expect(f.n).toBe(sum(counts));
      }),
    );
  });
});
