/**
 * The invitation DM of one person, and its update once they answered. Each runs in a job after
 * the write that caused it; a job that finds its work already done does nothing, so retries
 * never double a DM.
 */
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { FocusService } from '../focus/focus.service';
import { JobsService } from '../jobs/jobs.service';
import { PULSE_QUEUES, RoundPersonJobData } from './pulse.queues';
import { RoundsRepository } from './rounds.repository';
import { RoundMessenger } from './slack/round-messenger';

@Injectable()
export class RoundDeliveryService {
  constructor(
    private readonly roundsRepository: RoundsRepository,
    private readonly focusService: FocusService,
    private readonly jobs: JobsService,
    private readonly messenger: RoundMessenger,
    private readonly clock: Clock,
  ) {}

  /** The invitation DM of one person; nothing when already delivered, answered or closed. */
  async deliver(job: RoundPersonJobData): Promise<void> {
    const round = await this.roundsRepository.findById(job.roundId);
    const invitation = await this.roundsRepository.findInvitation(job.roundId, job.personId);
    if (
      !round ||
      round.status !== 'open' ||
      !invitation ||
      invitation.deliveredAt ||
      invitation.responded
    )
      return;
    // Nobody is DMed during a focus block: the invitation waits until the block ends.
    const busyUntil = await this.focusService.busyUntil(job.personId);
    if (busyUntil) {
      await this.jobs.send<RoundPersonJobData>(PULSE_QUEUES.deliver, job, {
        startAfter: busyUntil,
      });
      return;
    }
    const posted = await this.messenger.sendInvitation(round, job.personId);
    if (!posted) return;
    await this.roundsRepository.recordDelivery(round.id, job.personId, posted, this.clock.now());
  }

  /** After an answer: the DM stops offering buttons and says the answer was recorded. */
  async confirmAnswered(job: RoundPersonJobData): Promise<void> {
    const round = await this.roundsRepository.findById(job.roundId);
    const invitation = await this.roundsRepository.findInvitation(job.roundId, job.personId);
    if (!round || !invitation?.dmChannel || !invitation.dmTs) return;
    await this.messenger.markAnswered(round, {
      channel: invitation.dmChannel,
      ts: invitation.dmTs,
    });
  }
}
