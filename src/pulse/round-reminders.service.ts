/**
 * The one reminder of a round: claimed once (by hand or at its time), then one DM per person
 * who was delivered the invitation and has not answered.
 */
import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';
import { JobsService } from '../jobs/jobs.service';
import { PULSE_QUEUES, RoundJobData, RoundPersonJobData } from './pulse.queues';
import { RoundsRepository } from './rounds.repository';
import { RoundsService } from './rounds.service';
import { RoundMessenger } from './slack/round-messenger';

@Injectable()
export class RoundRemindersService {
  constructor(
    private readonly roundsService: RoundsService,
    private readonly roundsRepository: RoundsRepository,
    private readonly jobs: JobsService,
    private readonly messenger: RoundMessenger,
    private readonly clock: Clock,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  /** POST /api/rounds/:id/remind and the timed reminder: once per round, to non-responders only. */
  async remind(workspaceId: string | null, roundId: string): Promise<{ reminded: number }> {
    const round = await this.roundsService.getScoped(workspaceId, roundId);
    return this.txHost.withTransaction(async () => {
      if (!(await this.roundsRepository.claimReminder(round.id, this.clock.now()))) {
        throw new DomainError(
          'conflict',
          round.status === 'closed'
            ? 'The round is closed'
            : 'The reminder of this round was already sent (one per round)',
        );
      }
      const people = await this.roundsRepository.nonResponders(round.id);
      await this.jobs.sendMany<RoundPersonJobData>(
        PULSE_QUEUES.remindPerson,
        people.map((personId) => ({
          data: { roundId: round.id, personId },
          singletonKey: `${round.id}:${personId}`,
        })),
      );
      return { reminded: people.length };
    });
  }

  /** The timed reminder job: the same as the API's, silent when the reminder already went. */
  async remindOnSchedule(job: RoundJobData): Promise<void> {
    try {
      await this.remind(null, job.roundId);
    } catch (err) {
      if (!(err instanceof DomainError && err.code === 'conflict')) throw err;
    }
  }

  /** The reminder DM of one person; nothing unless delivered, unanswered and not yet reminded. */
  async remindPerson(job: RoundPersonJobData): Promise<void> {
    const round = await this.roundsRepository.findById(job.roundId);
    const invitation = await this.roundsRepository.findInvitation(job.roundId, job.personId);
    // Not delivered yet (a later local time): their invitation is still to come, no reminder.
    if (
      !round ||
      round.status !== 'open' ||
      !invitation?.deliveredAt ||
      invitation.responded ||
      invitation.remindedAt
    )
      return;
    const posted = await this.messenger.sendInvitation(round, job.personId, { reminder: true });
    if (!posted) return;
    await this.roundsRepository.recordReminder(round.id, job.personId, this.clock.now());
  }
}
