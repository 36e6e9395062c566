import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PromptJobData, STORIES_QUEUES } from '../stories.queues';
import { StoryPromptsService } from '../story-prompts.service';

/** One subscriber's weekly prompt DM (it waits out a focus block). */
@Injectable()
@Job({ queue: STORIES_QUEUES.prompt, retryLimit: 5 })
export class StoriesPromptJob implements JobHandler<PromptJobData> {
  constructor(private readonly prompts: StoryPromptsService) {}

  handle(data: PromptJobData): Promise<void> {
    return this.prompts.deliver(data);
  }
}
