import { Logger } from '@nestjs/common';
import { TestClock } from '../../test/support/test-clock';
import { aRound, FakeJobs, FakeRoundsRepository, fakeTxHost } from '../../test/support/pulse-fakes';
import { DomainError } from '../common/errors';
import type { WorkspacesService } from '../workspaces/workspaces.service';
import type { BallotBoxService } from './ballot-box.service';
import type { RoundEntity } from './entities/round.entity';
import { PULSE_QUEUES } from './pulse.queues';
import { RoundClosingService } from './round-closing.service';
import { RoundsService } from './rounds.service';

describe('RoundClosingService', () => {
  const clock = new TestClock('2026-11-28T09:00:00Z');

  beforeAll(() => jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  function setup(round: Partial<RoundEntity> = {}, workspaceThreshold = 5) {
    const repo = new FakeRoundsRepository([aRound(round)]);
    repo.ballotKeys.set('r1', 'wrapped-key');
    const jobs = new FakeJobs();
    const ballotBox = {
      openAtClose: jest.fn(async () => ({ responses: 6, invalid: 0 })),
    };
    const workspaces = {
      getSettings: async () => ({ anonymityThreshold: workspaceThreshold }),
    };
    const rounds = new RoundsService(
      repo.asRepository(),
      workspaces as unknown as WorkspacesService,
    );
    const service = new RoundClosingService(
      rounds,
      repo.asRepository(),
      ballotBox as unknown as BallotBoxService,
      jobs.asService(),
      clock,
      fakeTxHost(),
    );
    return { service, repo, jobs, ballotBox };
  }

  it('opens the ballots with the round’s key, restamps participation, drops pending DM updates and queues the HR summary', async () => {
    const { service, repo, jobs, ballotBox } = setup();
    const closed = await service.close('w1', 'r1');
    expect(closed).toMatchObject({ id: 'r1', status: 'closed', closedAt: clock.now() });
    expect(ballotBox.openAtClose).toHaveBeenCalledWith(
      expect.objectContaining({ id: 'r1' }),
      'wrapped-key',
      5,
    );
    expect(repo.restamped).toEqual(['r1']);
    expect(jobs.purged).toEqual([{ queue: PULSE_QUEUES.answered, data: { roundId: 'r1' } }]);
    expect(jobs.on(PULSE_QUEUES.hrSummary)).toEqual([
      { queue: PULSE_QUEUES.hrSummary, data: { roundId: 'r1' }, options: { singletonKey: 'r1' } },
    ]);
  });

  it('stores groups at the workspace’s threshold when it was raised after the round opened', async () => {
    const { service, ballotBox } = setup({ k: 5 }, 8);
    await service.close('w1', 'r1');
    expect(ballotBox.openAtClose).toHaveBeenCalledWith(expect.anything(), 'wrapped-key', 8);
  });

  it('keeps the round’s own k when the workspace lowered its threshold since', async () => {
    const { service, ballotBox } = setup({ k: 7 }, 3);
    await service.close('w1', 'r1');
    expect(ballotBox.openAtClose).toHaveBeenCalledWith(expect.anything(), 'wrapped-key', 7);
  });

  it('refuses a second close through the API with a conflict, and opens nothing twice', async () => {
    const { service, ballotBox, jobs } = setup();
    await service.close('w1', 'r1');
    const second = await service.close('w1', 'r1').catch((err: DomainError) => err);
    expect(second).toBeInstanceOf(DomainError);
    expect((second as DomainError).code).toBe('conflict');
    expect(ballotBox.openAtClose).toHaveBeenCalledTimes(1);
    expect(jobs.on(PULSE_QUEUES.hrSummary)).toHaveLength(1);
  });

  it('is silent when the end-of-window job finds the round already closed', async () => {
    const { service, ballotBox } = setup();
    await service.close('w1', 'r1');
    await expect(service.closeOnSchedule({ roundId: 'r1' })).resolves.toBeUndefined();
    expect(ballotBox.openAtClose).toHaveBeenCalledTimes(1);
  });

  it('does not close a round of another workspace', async () => {
    const { service, ballotBox } = setup({ workspaceId: 'w2' });
    const err = await service.close('w1', 'r1').catch((e: DomainError) => e);
    expect((err as DomainError).code).toBe('not_found');
    expect(ballotBox.openAtClose).not.toHaveBeenCalled();
  });
});
