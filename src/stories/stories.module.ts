import { Module } from '@nestjs/common';
import { PeopleModule } from '../people/people.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { StoriesAnnounceJob } from './jobs/stories-announce.job';
import { StoriesDigestPostJob } from './jobs/stories-digest-post.job';
import { StoriesDigestTickJob } from './jobs/stories-digest-tick.job';
import { StoriesOutcomeJob } from './jobs/stories-outcome.job';
import { StoriesNotifier } from './slack/stories.notifier';
import { StoriesSlackListener } from './slack/stories.slack-listener';
import { StoriesController } from './stories.controller';
import { StoriesRepository } from './stories.repository';
import { StoriesService } from './stories.service';

/** The story feed: sharing from Slack, moderation, reports, reactions, search and the weekly digest. */
@Module({
  imports: [WorkspacesModule, PeopleModule],
  controllers: [StoriesController],
  exports: [StoriesService],
  providers: [
    StoriesRepository,
    StoriesService,
    StoriesNotifier,
    StoriesSlackListener,
    StoriesAnnounceJob,
    StoriesOutcomeJob,
    StoriesDigestTickJob,
    StoriesDigestPostJob,
  ],
})
export class StoriesModule {}
