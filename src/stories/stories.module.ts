import { Module } from '@nestjs/common';
import { FocusModule } from '../focus/focus.module';
import { PeopleModule } from '../people/people.module';
import { WorkspacesModule } from '../workspaces/workspaces.module';
import { StoriesAnnounceJob } from './jobs/stories-announce.job';
import { StoriesDigestPostJob } from './jobs/stories-digest-post.job';
import { StoriesDigestTickJob } from './jobs/stories-digest-tick.job';
import { StoriesOutcomeJob } from './jobs/stories-outcome.job';
import { StoriesPromptTickJob } from './jobs/stories-prompt-tick.job';
import { StoriesPromptJob } from './jobs/stories-prompt.job';
import { StoriesReviewedJob } from './jobs/stories-reviewed.job';
import { StoriesNotifier } from './slack/stories.notifier';
import { StoriesSlackListener } from './slack/stories.slack-listener';
import { StoriesController } from './stories.controller';
import { StoriesRepository } from './stories.repository';
import { StoriesService } from './stories.service';
import { StoryPromptsRepository } from './story-prompts.repository';
import { StoryPromptsService } from './story-prompts.service';

/** The story feed: sharing from Slack, moderation, reports, reactions, search, the weekly digest and the opt-in weekly prompt. */
@Module({
  imports: [WorkspacesModule, PeopleModule, FocusModule],
  controllers: [StoriesController],
  exports: [StoriesService, StoryPromptsService],
  providers: [
    StoriesRepository,
    StoriesService,
    StoriesNotifier,
    StoriesSlackListener,
    StoriesAnnounceJob,
    StoriesOutcomeJob,
    StoriesReviewedJob,
    StoriesDigestTickJob,
    StoriesDigestPostJob,
    StoryPromptsRepository,
    StoryPromptsService,
    StoriesPromptTickJob,
    StoriesPromptJob,
  ],
})
export class StoriesModule {}
