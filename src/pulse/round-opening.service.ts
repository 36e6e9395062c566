/**
 * Opening a round: the survey's next questions, the audience invited with a delivery time each,
 * and the jobs that deliver, remind and close, all in one transaction. Slack calls happen in
 * those jobs, after the write that caused them.
 */
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors';
import { TransactionHost, TransactionalAdapterTypeOrm } from '../database/transactions';
import { JobsService } from '../jobs/jobs.service';
import { PeopleService } from '../people/people.service';
import { WorkspacesService } from '../workspaces/workspaces.service';
import { BallotBoxService } from './ballot-box.service';
import { RoundEntity } from './entities/round.entity';
import { SurveyEntity } from './entities/survey.entity';
import { PULSE_QUEUES, RoundJobData, RoundPersonJobData } from './pulse.queues';
import { pickRoundQuestions } from './rotation';
import { RoundsRepository } from './rounds.repository';
import { SurveysRepository } from './surveys.repository';

/** How a round opens: its occurrence (scheduled rounds), when, and each time zone's delivery. */
export interface OpeningPlan {
  occurrence: string | null;
  openedAt: Date;
  deliverAt: (tz: string) => Date;
}

@Injectable()
export class RoundOpeningService {
  private readonly logger = new Logger(RoundOpeningService.name);

  constructor(
    private readonly roundsRepository: RoundsRepository,
    private readonly surveysRepository: SurveysRepository,
    private readonly ballotBox: BallotBoxService,
    private readonly peopleService: PeopleService,
    private readonly workspacesService: WorkspacesService,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  /** POST /api/surveys/:id/rounds: invites the audience and DMs them at once. */
  async openNow(
    workspaceId: string,
    surveyId: string,
  ): Promise<{ round: RoundEntity; invited: number }> {
    const now = this.clock.now();
    return this.open(workspaceId, surveyId, {
      occurrence: null,
      deliverAt: () => now,
      openedAt: now,
    });
  }

  /** Opens a round of the survey; refused (conflict) when its audience is empty. */
  async open(
    workspaceId: string,
    surveyId: string,
    plan: OpeningPlan,
  ): Promise<{ round: RoundEntity; invited: number }> {
    const { anonymityThreshold } = await this.workspacesService.getSettings(workspaceId);
    return this.txHost.withTransaction(async () => {
      const survey = await this.surveysRepository.lockInWorkspace(workspaceId, surveyId);
      if (!survey) throw notFound('Survey');
      const audience = await this.peopleService.audience(workspaceId, survey.audienceTeamIds);
      if (audience.length === 0) {
        throw new DomainError(
          'conflict',
          'Nobody to ask: import people (POST /api/people/sync) and check the survey’s teams',
        );
      }
      const picked = pickRoundQuestions(
        survey.questions,
        survey.questionsPerRound ?? survey.questions.length,
        survey.rotationCursor,
      );
      await this.surveysRepository.advanceRotation(survey.id, picked.nextCursor);
      const deliveries = audience.map((p) => ({
        personId: p.id,
        deliverAfter: plan.deliverAt(p.tz),
      }));
      const lastDelivery = Math.max(...deliveries.map((d) => d.deliverAfter.getTime()));
      const round = await this.roundsRepository.insert({
        surveyId: survey.id,
        workspaceId,
        status: 'open',
        questions: picked.questions,
        k: anonymityThreshold,
        occurrence: plan.occurrence,
        openedAt: plan.openedAt,
        closesAt: new Date(lastDelivery + survey.windowHours * 3_600_000),
      });
      await this.ballotBox.keyNewRound(round.id);
      await this.roundsRepository.invite(round.id, deliveries);
      await this.jobs.sendMany<RoundPersonJobData>(
        PULSE_QUEUES.deliver,
        deliveries.map((d) => ({
          data: { roundId: round.id, personId: d.personId },
          singletonKey: `${round.id}:${d.personId}`,
          startAfter: d.deliverAfter,
        })),
      );
      await this.scheduleRoundJobs(survey, round);
      this.logger.log({
        msg: 'round opened',
        roundId: round.id,
        surveyId,
        invited: audience.length,
      });
      return { round, invited: audience.length };
    });
  }

  /** The close at the end of the window, and the timed reminder when the survey has one. */
  private async scheduleRoundJobs(survey: SurveyEntity, round: RoundEntity): Promise<void> {
    await this.jobs.send<RoundJobData>(
      PULSE_QUEUES.close,
      { roundId: round.id },
      { startAfter: round.closesAt, singletonKey: round.id },
    );
    if (survey.reminderAfterHours) {
      await this.jobs.send<RoundJobData>(
        PULSE_QUEUES.remind,
        { roundId: round.id },
        {
          startAfter: new Date(round.openedAt.getTime() + survey.reminderAfterHours * 3_600_000),
          singletonKey: round.id,
        },
      );
    }
  }
}
