import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PeopleModule } from '../people/people.module';
import { TeamsModule } from '../teams/teams.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { FocusBlockEntity } from './focus-block.entity';
import { FocusRetentionService } from './focus-retention.service';
import { FocusSummaryService } from './focus-summary.service';
import { FocusSyncService } from './focus-sync.service';
import { FocusWeeksRepository } from './focus-weeks.repository';
import { FocusController } from './focus.controller';
import { FocusRepository } from './focus.repository';
import { FocusService } from './focus.service';
import { FocusConnectedJob } from './jobs/focus-connected.job';
import { FocusEndJob } from './jobs/focus-end.job';
import { FocusExpandJob } from './jobs/focus-expand.job';
import { FocusRetentionTickJob } from './jobs/focus-retention-tick.job';
import { FocusRetentionJob } from './jobs/focus-retention.job';
import { FocusStartJob } from './jobs/focus-start.job';
import { FocusSlackListener } from './slack/focus.slack-listener';
import { SyncStepRunner } from './sync-step-runner';

/** Focus time: /focus blocks that set Slack status and DND, behind the coverage guard. */
@Module({
  imports: [
    TypeOrmModule.forFeature([FocusBlockEntity]),
    WorkspacesModule,
    PeopleModule,
    TeamsModule,
  ],
  controllers: [FocusController],
  providers: [
    FocusRepository,
    FocusWeeksRepository,
    FocusService,
    FocusSummaryService,
    FocusRetentionService,
    FocusSyncService,
    SyncStepRunner,
    FocusSlackListener,
    FocusStartJob,
    FocusEndJob,
    FocusConnectedJob,
    FocusExpandJob,
    FocusRetentionTickJob,
    FocusRetentionJob,
  ],
  exports: [FocusService],
})
export class FocusModule {}
