import { TestClock } from '../../test/support/test-clock';
import {
  aRound,
  anInvitation,
  FakeJobs,
  FakeRoundsRepository,
} from '../../test/support/pulse-fakes';
import type { FocusService } from '../focus/focus.service';
import type { Invitation } from './rounds.repository';
import { PULSE_QUEUES } from './pulse.queues';
import { RoundDeliveryService } from './round-delivery.service';
import type { RoundEntity } from './entities/round.entity';
import type { RoundMessenger } from './slack/round-messenger';

describe('RoundDeliveryService', () => {
  const clock = new TestClock('2026-11-25T09:05:00Z');

  function setup(
    round: Partial<RoundEntity> = {},
    invitation: Partial<Invitation> = {},
    options: { busyUntil?: Date; sent?: boolean } = {},
  ) {
    const repo = new FakeRoundsRepository([aRound(round)], [anInvitation(invitation)]);
    const jobs = new FakeJobs();
    const focus = { busyUntil: jest.fn(async () => options.busyUntil ?? null) };
    const messenger = {
      sendInvitation: jest.fn(async () =>
        options.sent === false ? null : { channel: 'D1', ts: '1.1' },
      ),
      markAnswered: jest.fn(async () => undefined),
    };
    const service = new RoundDeliveryService(
      repo.asRepository(),
      focus as unknown as FocusService,
      jobs.asService(),
      messenger as unknown as RoundMessenger,
      clock,
    );
    return { service, repo, jobs, messenger };
  }

  describe('deliver', () => {
    it('DMs an invited person of an open round and records where the DM went', async () => {
      const { service, repo, messenger } = setup();
      await service.deliver({ roundId: 'r1', personId: 'p1' });
      expect(messenger.sendInvitation).toHaveBeenCalledWith(
        expect.objectContaining({ id: 'r1' }),
        'p1',
      );
      expect(await repo.findInvitation('r1', 'p1')).toMatchObject({
        deliveredAt: clock.now(),
        dmChannel: 'D1',
        dmTs: '1.1',
      });
    });

    it.each([
      ['the round is closed', { status: 'closed' as const }, {}],
      ['the invitation was already delivered', {}, { deliveredAt: new Date(0) }],
      ['the person already answered', {}, { responded: true }],
    ])('sends nothing when %s (a retried job)', async (_why, round, invitation) => {
      const { service, messenger } = setup(round, invitation);
      await service.deliver({ roundId: 'r1', personId: 'p1' });
      expect(messenger.sendInvitation).not.toHaveBeenCalled();
    });

    it('sends nothing to someone who was not invited', async () => {
      const { service, messenger } = setup();
      await service.deliver({ roundId: 'r1', personId: 'stranger' });
      expect(messenger.sendInvitation).not.toHaveBeenCalled();
    });

    it('waits out a focus block: no DM now, the same job again when the block ends', async () => {
      const busyUntil = new Date('2026-11-25T10:00:00Z');
      const { service, jobs, messenger, repo } = setup({}, {}, { busyUntil });
      await service.deliver({ roundId: 'r1', personId: 'p1' });
      expect(messenger.sendInvitation).not.toHaveBeenCalled();
      expect(jobs.on(PULSE_QUEUES.deliver)).toEqual([
        {
          queue: PULSE_QUEUES.deliver,
          data: { roundId: 'r1', personId: 'p1' },
          options: { startAfter: busyUntil },
        },
      ]);
      expect((await repo.findInvitation('r1', 'p1'))!.deliveredAt).toBeNull();
    });

    it('records no delivery when nothing was sent (the person left)', async () => {
      const { service, repo } = setup({}, {}, { sent: false });
      await service.deliver({ roundId: 'r1', personId: 'p1' });
      expect((await repo.findInvitation('r1', 'p1'))!.deliveredAt).toBeNull();
    });
  });

  describe('confirmAnswered', () => {
    it('updates the DM the invitation was delivered in', async () => {
      const { service, messenger } = setup({}, { dmChannel: 'D9', dmTs: '9.9', responded: true });
      await service.confirmAnswered({ roundId: 'r1', personId: 'p1' });
      expect(messenger.markAnswered).toHaveBeenCalledWith(expect.objectContaining({ id: 'r1' }), {
        channel: 'D9',
        ts: '9.9',
      });
    });

    it('does nothing when no DM was delivered to update', async () => {
      const { service, messenger } = setup({}, { responded: true });
      await service.confirmAnswered({ roundId: 'r1', personId: 'p1' });
      expect(messenger.markAnswered).not.toHaveBeenCalled();
    });
  });
});
