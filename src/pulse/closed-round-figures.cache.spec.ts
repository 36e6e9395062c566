import { RoundEntity } from './entities/round.entity';
import { ClosedRoundFiguresCache } from './closed-round-figures.cache';
import type { ResponsesRepository, TallyRow } from './responses.repository';
import type { RoundsRepository } from './rounds.repository';

const round = (id: string, status: 'open' | 'closed' = 'closed') =>
  Object.assign(new RoundEntity(), { id, status });

/** Holds at most 20 rows: three rounds of 8 (5 tallies, 2 group sizes, 1 comment) overflow it. */
class SmallCache extends ClosedRoundFiguresCache {
  protected override readonly maxRows = 20;
}

function setup(talliesPerRound = 3) {
  const tally = (roundId: string, teamId: string | null, questionId: string, value: string) =>
    ({ roundId, teamId, questionId, value, n: 2 }) satisfies TallyRow;
  const responses = {
    tallies: jest.fn(async (ids: string[]) =>
      ids.flatMap((id) => [
        tally(id, 'ta', 'constructor', '4'),
        tally(id, 'tb', 'constructor', '4'),
        // A team snapshot without a group size row counts overall only.
        tally(id, 'gone', 'constructor', '5'),
        ...Array.from({ length: talliesPerRound - 3 }, (_, i) =>
          tally(id, 'ta', `q${i}`, 'constructor'),
        ),
      ]),
    ),
    groupSizes: jest.fn(async (ids: string[]) =>
      ids.flatMap((id) => [
        { roundId: id, teamId: 'ta', respondents: 2 },
        { roundId: id, teamId: 'tb', respondents: 2 },
      ]),
    ),
    comments: jest.fn(async (ids: string[]) =>
      ids.map((id) => ({ roundId: id, teamId: 'tb', questionId: 'c', text: `from ${id}` })),
    ),
    mergedTeams: jest.fn(async (ids: string[]) => ids.map((id) => ({ roundId: id, teamId: null }))),
  };
  const rounds = {
    participation: jest.fn(
      async (ids: string[]) => new Map(ids.map((id) => [id, { invited: 10, responded: 4 }])),
    ),
  };
  const cache = new SmallCache(
    responses as unknown as ResponsesRepository,
    rounds as unknown as RoundsRepository,
  );
  return { cache, responses };
}

describe('ClosedRoundFiguresCache', () => {
  it('folds tallies into overall and per-team counts, own properties only', async () => {
    const { cache } = setup();
    const figures = (await cache.of([round('r1')])).get('r1')!;
    expect(figures.respondents).toBe(4);
    expect(Object.hasOwn(figures.counts, 'constructor')).toBe(true);
    expect(figures.counts.constructor).toEqual({ '4': 4, '5': 2 });
    expect(figures.groups.map((g) => [g.teamId, g.counts.constructor])).toEqual([
      ['ta', { '4': 2 }],
      ['tb', { '4': 2 }],
    ]);
    expect(figures.comments).toEqual([{ questionId: 'c', text: 'from r1' }]);
    expect(figures.groups.find((g) => g.teamId === 'tb')!.comments).toHaveLength(1);
    expect(figures.participation).toEqual({ invited: 10, responded: 4, rate: 0.4 });
    expect(({} as Record<string, unknown>)['4']).toBeUndefined();
  });

  it('reads each closed round once, and only the rounds it does not hold', async () => {
    const { cache, responses } = setup();
    await cache.of([round('r1')]);
    await cache.of([round('r1'), round('r2')]);
    await cache.of([round('r2'), round('r1')]);
    expect(responses.tallies.mock.calls).toEqual([[['r1']], [['r2']]]);
  });

  it('refuses an open round: its figures are not final', async () => {
    const { cache } = setup();
    await expect(cache.of([round('r1', 'open')])).rejects.toThrow('not closed');
  });

  it('lets the least recently used rounds go when it holds too many rows', async () => {
    const { cache, responses } = setup(5);
    await cache.of([round('r1')]);
    await cache.of([round('r2')]);
    await cache.of([round('r1')]); // r1 used last: r2 goes when r3 arrives
    await cache.of([round('r3')]);
    responses.tallies.mockClear();
    await cache.of([round('r1'), round('r3')]);
    expect(responses.tallies).not.toHaveBeenCalled();
    await cache.of([round('r2')]);
    expect(responses.tallies.mock.calls).toEqual([[['r2']]]);
  });
});
