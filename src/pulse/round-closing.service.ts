/**
 * Closing a round (by hand or at the end of its window): its ballots are opened into stored
 * answers at the k in force, participation is stamped, pending DM updates are dropped and the
 * HR summary is queued, in one transaction. Closing twice does nothing the second time.
 */
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';
import { JobsService } from '../jobs/jobs.service';
import { BallotBoxService } from './ballot-box.service';
import { RoundEntity } from './entities/round.entity';
import { PULSE_QUEUES, RoundJobData } from './pulse.queues';
import { RoundsRepository } from './rounds.repository';
import { RoundsService } from './rounds.service';

@Injectable()
export class RoundClosingService {
  private readonly logger = new Logger(RoundClosingService.name);

  constructor(
    private readonly roundsService: RoundsService,
    private readonly roundsRepository: RoundsRepository,
    private readonly ballotBox: BallotBoxService,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  /**
   * POST /api/rounds/:id/close (`workspaceId` set: a second close is refused) and the end of the
   * window (`null`: a second close is silent).
   */
  async close(workspaceId: string | null, roundId: string): Promise<RoundEntity> {
    const round = await this.roundsService.getScoped(workspaceId, roundId);
    // Published groups are at least this k at rest (a lower k later cannot show more).
    const k = await this.roundsService.effectiveK(round);
    const closed = await this.txHost.withTransaction(async () => {
      const taken = await this.roundsRepository.markClosed(round.id, this.clock.now());
      if (!taken) return false;
      const opened = await this.ballotBox.openAtClose(round, taken.ballotKey, k);
      await this.roundsRepository.restampParticipation(round.id);
      await this.jobs.purge(PULSE_QUEUES.answered, { roundId: round.id });
      await this.jobs.send<RoundJobData>(
        PULSE_QUEUES.hrSummary,
        { roundId: round.id },
        { singletonKey: round.id },
      );
      this.logger.log({
        msg: 'round closed',
        roundId: round.id,
        responses: opened.responses,
        invalidBallots: opened.invalid,
      });
      return true;
    });
    if (!closed && workspaceId) throw new DomainError('conflict', 'The round is already closed');
    return (await this.roundsRepository.findById(round.id))!;
  }

  async closeOnSchedule(job: RoundJobData): Promise<void> {
    await this.close(null, job.roundId);
  }
}
