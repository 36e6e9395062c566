import { Logger } from '@nestjs/common';
import { TestClock } from '../../test/support/test-clock';
import { aRound, aSurvey, FakeRoundsRepository } from '../../test/support/pulse-fakes';
import { DomainError } from '../common/errors';
import type { SurveyEntity } from './entities/survey.entity';
import type { OpeningPlan, RoundOpeningService } from './round-opening.service';
import { RoundSchedulerService } from './round-scheduler.service';
import type { SurveysRepository } from './surveys.repository';

describe('RoundSchedulerService', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  /** Thursdays at 15:00 local time, created on Monday 23 Nov 2026. */
  const thursdays = aSurvey({
    scheduleRrule: 'FREQ=WEEKLY;BYDAY=TH',
    scheduleLocalTime: '15:00',
    createdAt: new Date('2026-11-23T10:00:00Z'),
  });

  function setup(
    at: string,
    surveys: SurveyEntity[],
    opened: { surveyId: string; occurrence: string }[] = [],
  ) {
    const clock = new TestClock(at);
    const rounds = new FakeRoundsRepository(
      opened.map((o, i) =>
        aRound({ id: `old${i}`, surveyId: o.surveyId, occurrence: o.occurrence }),
      ),
    );
    const plans: { surveyId: string; plan: OpeningPlan }[] = [];
    const opening = {
      open: jest.fn(async (_w: string, surveyId: string, plan: OpeningPlan) => {
        plans.push({ surveyId, plan });
        return { round: aRound(), invited: 1 };
      }),
    };
    const service = new RoundSchedulerService(
      { listScheduled: async () => surveys } as unknown as SurveysRepository,
      rounds.asRepository(),
      opening as unknown as RoundOpeningService,
      clock,
    );
    return { service, opening, plans };
  }

  it('opens nothing before 15 minutes ahead of the first place on Earth reaching 15:00', async () => {
    // 15:00 Thursday in UTC+14 is 01:00 UTC; 00:44 is 16 minutes before.
    const { service, opening } = setup('2026-11-26T00:44:00Z', [thursdays]);
    expect(await service.openScheduledRounds()).toBe(0);
    expect(opening.open).not.toHaveBeenCalled();
  });

  it('opens Thursday’s round 15 minutes ahead, delivering at 15:00 in each person’s zone', async () => {
    const { service, plans } = setup('2026-11-26T00:45:00Z', [thursdays]);
    expect(await service.openScheduledRounds()).toBe(1);
    expect(plans).toHaveLength(1);
    const { plan } = plans[0];
    expect(plan.occurrence).toBe('2026-11-26');
    expect(plan.openedAt).toEqual(new Date('2026-11-26T00:45:00Z'));
    expect(plan.deliverAt('Pacific/Kiritimati')).toEqual(new Date('2026-11-26T01:00:00Z'));
    expect(plan.deliverAt('Europe/Paris')).toEqual(new Date('2026-11-26T14:00:00Z'));
    expect(plan.deliverAt('America/New_York')).toEqual(new Date('2026-11-26T20:00:00Z'));
    // No zone known: UTC.
    expect(plan.deliverAt('')).toEqual(new Date('2026-11-26T15:00:00Z'));
  });

  it('does not open an occurrence that already has a round', async () => {
    const { service, opening } = setup(
      '2026-11-26T12:00:00Z',
      [thursdays],
      [{ surveyId: 's1', occurrence: '2026-11-26' }],
    );
    expect(await service.openScheduledRounds()).toBe(0);
    expect(opening.open).not.toHaveBeenCalled();
  });

  it('leaves an occurrence whose last delivery is over a window ago as history', async () => {
    // Thursday 15:00 in UTC−12 is Friday 03:00 UTC; the window is 48 hours.
    const { service, opening } = setup('2026-11-28T03:01:00Z', [thursdays]);
    expect(await service.openScheduledRounds()).toBe(0);
    expect(opening.open).not.toHaveBeenCalled();
  });

  it('skips a survey whose stored rule is refused now, and still opens the others', async () => {
    const broken = aSurvey({
      id: 's0',
      scheduleRrule: 'FREQ=SECONDLY',
      scheduleLocalTime: '15:00',
    });
    const { service, plans } = setup('2026-11-26T12:00:00Z', [broken, thursdays]);
    expect(await service.openScheduledRounds()).toBe(1);
    expect(plans.map((p) => p.surveyId)).toEqual(['s1']);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ msg: 'survey schedule refused', surveyId: 's0' }),
    );
  });

  it('does not count a round another replica opened first', async () => {
    const { service, opening } = setup('2026-11-26T12:00:00Z', [thursdays]);
    opening.open.mockRejectedValueOnce(new DomainError('conflict', 'occurrence taken'));
    expect(await service.openScheduledRounds()).toBe(0);
  });
});
