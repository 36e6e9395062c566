import { TestClock } from '../../test/support/test-clock';
import {
  aRound,
  anInvitation,
  FakeJobs,
  FakeRoundsRepository,
  fakeTxHost,
} from '../../test/support/pulse-fakes';
import { DomainError } from '../common/errors';
import type { WorkspacesService } from '../workspaces/workspaces.service';
import type { RoundEntity } from './entities/round.entity';
import { PULSE_QUEUES } from './pulse.queues';
import { RoundRemindersService } from './round-reminders.service';
import type { Invitation } from './rounds.repository';
import { RoundsService } from './rounds.service';
import type { RoundMessenger } from './slack/round-messenger';

describe('RoundRemindersService', () => {
  const clock = new TestClock('2026-11-26T09:00:00Z');
  const delivered = new Date('2026-11-25T09:00:00Z');

  function setup(round: Partial<RoundEntity> = {}, invitations?: Partial<Invitation>[]) {
    const repo = new FakeRoundsRepository(
      [aRound(round)],
      (
        invitations ?? [
          { personId: 'p1', deliveredAt: delivered },
          { personId: 'p2', deliveredAt: delivered, responded: true },
          { personId: 'p3' },
        ]
      ).map(anInvitation),
    );
    const jobs = new FakeJobs();
    const messenger = {
      sendInvitation: jest.fn(async (): Promise<{ channel: string; ts: string } | null> => ({
        channel: 'D1',
        ts: '2.2',
      })),
    };
    const rounds = new RoundsService(repo.asRepository(), {} as WorkspacesService);
    const service = new RoundRemindersService(
      rounds,
      repo.asRepository(),
      jobs.asService(),
      messenger as unknown as RoundMessenger,
      clock,
      fakeTxHost(),
    );
    return { service, repo, jobs, messenger };
  }

  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (err: DomainError) => ({ code: err.code, message: err.message }),
    );

  describe('remind', () => {
    it('queues one reminder per person who has not answered, each once', async () => {
      const { service, jobs } = setup();
      expect(await service.remind('w1', 'r1')).toEqual({ reminded: 2 });
      expect(jobs.on(PULSE_QUEUES.remindPerson).map((j) => [j.data, j.options])).toEqual([
        [{ roundId: 'r1', personId: 'p1' }, { singletonKey: 'r1:p1' }],
        [{ roundId: 'r1', personId: 'p3' }, { singletonKey: 'r1:p3' }],
      ]);
    });

    it('refuses a second reminder with a conflict, and queues nothing more', async () => {
      const { service, jobs } = setup();
      await service.remind('w1', 'r1');
      expect(await refusal(service.remind('w1', 'r1'))).toEqual({
        code: 'conflict',
        message: 'The reminder of this round was already sent (one per round)',
      });
      expect(jobs.on(PULSE_QUEUES.remindPerson)).toHaveLength(2);
    });

    it('refuses a closed round with a conflict that says so', async () => {
      const { service } = setup({ status: 'closed' });
      expect(await refusal(service.remind('w1', 'r1'))).toEqual({
        code: 'conflict',
        message: 'The round is closed',
      });
    });

    it('does not find a round of another workspace', async () => {
      const { service } = setup({ workspaceId: 'w2' });
      expect(await refusal(service.remind('w1', 'r1'))).toMatchObject({ code: 'not_found' });
    });
  });

  describe('remindOnSchedule', () => {
    it('is silent when the reminder already went by hand', async () => {
      const { service, jobs } = setup();
      await service.remind('w1', 'r1');
      await expect(service.remindOnSchedule({ roundId: 'r1' })).resolves.toBeUndefined();
      expect(jobs.on(PULSE_QUEUES.remindPerson)).toHaveLength(2);
    });

    it('still fails on what is not a conflict (a round that is gone), so the job is retried', async () => {
      const { service } = setup();
      expect(await refusal(service.remindOnSchedule({ roundId: 'gone' }))).toMatchObject({
        code: 'not_found',
      });
    });
  });

  describe('remindPerson', () => {
    it('sends the reminder DM to a delivered, unanswered invitee and records it', async () => {
      const { service, repo, messenger } = setup();
      await service.remindPerson({ roundId: 'r1', personId: 'p1' });
      expect(messenger.sendInvitation).toHaveBeenCalledWith(
        expect.objectContaining({ id: 'r1' }),
        'p1',
        { reminder: true },
      );
      expect((await repo.findInvitation('r1', 'p1'))!.remindedAt).toEqual(clock.now());
    });

    it.each([
      ['whose invitation is still to be delivered (a later local time)', 'p3'],
      ['who answered', 'p2'],
    ])('reminds nobody %s', async (_who, personId) => {
      const { service, messenger } = setup();
      await service.remindPerson({ roundId: 'r1', personId });
      expect(messenger.sendInvitation).not.toHaveBeenCalled();
    });

    it('reminds a person once, however often the job runs', async () => {
      const { service, messenger } = setup();
      await service.remindPerson({ roundId: 'r1', personId: 'p1' });
      await service.remindPerson({ roundId: 'r1', personId: 'p1' });
      expect(messenger.sendInvitation).toHaveBeenCalledTimes(1);
    });

    it('reminds nobody once the round closed', async () => {
      const { service, messenger } = setup({ status: 'closed' });
      await service.remindPerson({ roundId: 'r1', personId: 'p1' });
      expect(messenger.sendInvitation).not.toHaveBeenCalled();
    });
  });
});
