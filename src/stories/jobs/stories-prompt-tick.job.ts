import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { STORIES_QUEUES } from '../stories.queues';
import { StoryPromptsService } from '../story-prompts.service';

/** Every five minutes (cron, one run across replicas): claims the weekly prompts coming due. */
@Injectable()
@Job({ queue: STORIES_QUEUES.promptTick, policy: 'stately', cron: '*/5 * * * *', retryLimit: 0 })
export class StoriesPromptTickJob implements JobHandler<object> {
  constructor(private readonly prompts: StoryPromptsService) {}

  async handle(): Promise<void> {
    await this.prompts.tick();
  }
}
