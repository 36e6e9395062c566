import { Logger } from '@nestjs/common';
import { TestClock } from '../../test/support/test-clock';
import {
  aSurvey,
  FakeJobs,
  FakeRoundsRepository,
  fakeTxHost,
} from '../../test/support/pulse-fakes';
import { DomainError } from '../common/errors';
import type { PeopleService } from '../people/people.service';
import type { WorkspacesService } from '../workspaces/workspaces.service';
import type { BallotBoxService } from './ballot-box.service';
import type { SurveyEntity } from './entities/survey.entity';
import { PULSE_QUEUES } from './pulse.queues';
import { RoundOpeningService } from './round-opening.service';
import type { SurveysRepository } from './surveys.repository';

describe('RoundOpeningService', () => {
  const clock = new TestClock('2026-11-25T09:00:00Z');

  beforeAll(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  function setup(survey: SurveyEntity | null, people: { id: string; tz: string }[]) {
    const rounds = new FakeRoundsRepository();
    const jobs = new FakeJobs();
    const surveys = {
      lockInWorkspace: jest.fn(async () => survey),
      advanceRotation: jest.fn(async () => undefined),
    };
    const peopleService = { audience: jest.fn(async () => people) };
    const ballotBox = { keyNewRound: jest.fn(async () => undefined) };
    const workspaces = { getSettings: async () => ({ anonymityThreshold: 6 }) };
    const service = new RoundOpeningService(
      rounds.asRepository(),
      surveys as unknown as SurveysRepository,
      ballotBox as unknown as BallotBoxService,
      peopleService as unknown as PeopleService,
      workspaces as unknown as WorkspacesService,
      jobs.asService(),
      clock,
      fakeTxHost(),
    );
    return { service, rounds, jobs, ballotBox };
  }

  it('invites the audience, snapshots the workspace’s k and queues a delivery per person now', async () => {
    const { service, rounds, jobs, ballotBox } = setup(aSurvey(), [
      { id: 'p1', tz: 'Europe/Paris' },
      { id: 'p2', tz: 'America/New_York' },
    ]);
    const { round, invited } = await service.openNow('w1', 's1');
    expect(invited).toBe(2);
    expect(round).toMatchObject({ status: 'open', k: 6, openedAt: clock.now() });
    expect(ballotBox.keyNewRound).toHaveBeenCalledWith(round.id);
    expect(rounds.invitations.map((i) => i.personId)).toEqual(['p1', 'p2']);
    expect(jobs.on(PULSE_QUEUES.deliver).map((j) => [j.data, j.options])).toEqual([
      [
        { roundId: round.id, personId: 'p1' },
        { singletonKey: `${round.id}:p1`, startAfter: clock.now() },
      ],
      [
        { roundId: round.id, personId: 'p2' },
        { singletonKey: `${round.id}:p2`, startAfter: clock.now() },
      ],
    ]);
  });

  it('closes the window after the last local delivery, and reminds after the survey’s delay', async () => {
    const { service, jobs } = setup(aSurvey({ windowHours: 48, reminderAfterHours: 24 }), [
      { id: 'p1', tz: 'Pacific/Kiritimati' },
      { id: 'p2', tz: 'America/New_York' },
    ]);
    const openedAt = new Date('2026-11-26T01:00:00Z');
    // 15:00 local: Kiritimati (UTC+14) first, New York (UTC−5) 19 hours later.
    const { round } = await service.open('w1', 's1', {
      occurrence: '2026-11-26',
      openedAt,
      deliverAt: (tz) =>
        tz === 'Pacific/Kiritimati'
          ? new Date('2026-11-26T01:00:00Z')
          : new Date('2026-11-26T20:00:00Z'),
    });
    expect(round.closesAt).toEqual(new Date('2026-11-28T20:00:00Z'));
    expect(round.occurrence).toBe('2026-11-26');
    expect(jobs.on(PULSE_QUEUES.close)[0].options).toEqual({
      startAfter: new Date('2026-11-28T20:00:00Z'),
      singletonKey: round.id,
    });
    expect(jobs.on(PULSE_QUEUES.remind)[0].options).toEqual({
      startAfter: new Date('2026-11-27T01:00:00Z'),
      singletonKey: round.id,
    });
  });

  it('queues no timed reminder for a survey without one', async () => {
    const { service, jobs } = setup(aSurvey({ reminderAfterHours: null }), [
      { id: 'p1', tz: 'UTC' },
    ]);
    await service.openNow('w1', 's1');
    expect(jobs.on(PULSE_QUEUES.remind)).toEqual([]);
    expect(jobs.on(PULSE_QUEUES.close)).toHaveLength(1);
  });

  it('refuses with a conflict when there is nobody to ask, and writes nothing', async () => {
    const { service, rounds, jobs } = setup(aSurvey(), []);
    const err = await service.openNow('w1', 's1').catch((e: DomainError) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('conflict');
    expect(rounds.rounds.size).toBe(0);
    expect(jobs.queued).toEqual([]);
  });

  it('refuses an unknown survey with not_found', async () => {
    const { service } = setup(null, [{ id: 'p1', tz: 'UTC' }]);
    const err = await service.openNow('w1', 'nope').catch((e: DomainError) => e);
    expect((err as DomainError).code).toBe('not_found');
  });
});
