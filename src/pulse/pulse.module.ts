import { BallotBoxService } from './ballot-box.service';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionsModule } from '../auth/sessions/sessions.module';
import { FocusModule } from '../focus/focus.module';
import { PeopleModule } from '../people/people.module';
import { TeamsModule } from '../teams/teams.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { RoundEntity } from './entities/round.entity';
import { SurveyEntity } from './entities/survey.entity';
import { PulseAnsweredJob } from './jobs/pulse-answered.job';
import { PulseCloseJob } from './jobs/pulse-close.job';
import { PulseDeliverJob } from './jobs/pulse-deliver.job';
import { PulseHrSummaryJob } from './jobs/pulse-hr-summary.job';
import { PulseRemindPersonJob } from './jobs/pulse-remind-person.job';
import { PulseRemindJob } from './jobs/pulse-remind.job';
import { PulseScheduleTickJob } from './jobs/pulse-schedule-tick.job';
import { AnsweredJobsBatcher } from './answered-jobs.batcher';
import { ClosedRoundFiguresCache } from './closed-round-figures.cache';
import { PulseController } from './pulse.controller';
import { PulseService } from './pulse.service';
import { ResponsesRepository } from './responses.repository';
import { ResponsesService } from './responses.service';
import { ResultsService } from './results.service';
import { RoundsRepository } from './rounds.repository';
import { RoundClosingService } from './round-closing.service';
import { RoundDeliveryService } from './round-delivery.service';
import { RoundOpeningService } from './round-opening.service';
import { RoundRemindersService } from './round-reminders.service';
import { RoundSchedulerService } from './round-scheduler.service';
import { RoundsService } from './rounds.service';
import { RoundMessenger } from './slack/round-messenger';
import { PulseNotifier } from './slack/pulse.notifier';
import { PulseSlackListener } from './slack/pulse.slack-listener';
import { SurveysRepository } from './surveys.repository';
import { SurveysService } from './surveys.service';

/** Anonymous pulse surveys: surveys, rounds in Slack, confidential answers, suppression-safe results. */
@Module({
  imports: [
    TypeOrmModule.forFeature([SurveyEntity, RoundEntity]),
    WorkspacesModule,
    PeopleModule,
    TeamsModule,
    FocusModule,
    SessionsModule,
  ],
  controllers: [PulseController],
  exports: [PulseService, ResultsService],
  providers: [
    SurveysRepository,
    RoundsRepository,
    ResponsesRepository,
    BallotBoxService,
    ClosedRoundFiguresCache,
    AnsweredJobsBatcher,
    SurveysService,
    RoundsService,
    RoundOpeningService,
    RoundSchedulerService,
    RoundDeliveryService,
    RoundRemindersService,
    RoundClosingService,
    RoundMessenger,
    ResponsesService,
    ResultsService,
    PulseService,
    PulseNotifier,
    PulseSlackListener,
    PulseDeliverJob,
    PulseCloseJob,
    PulseRemindJob,
    PulseRemindPersonJob,
    PulseAnsweredJob,
    PulseHrSummaryJob,
    PulseScheduleTickJob,
  ],
})
export class PulseModule {}
