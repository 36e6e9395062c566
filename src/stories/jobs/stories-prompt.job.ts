import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { PromptJob, STORIES_QUEUES } from '../stories.queues';
import { StoryPromptsService } from '../story-prompts.service';

/** One subscriber's weekly prompt DM (it waits out a focus block). */
@Injectable()
@Job({ queue: STORIES_QUEUES.prompt, retryLimit: 5 })
export class StoriesPromptJob implements JobHandler<PromptJob> {
  constructor(private readonly prompts: StoryPromptsService) {}

  handle(data: PromptJob): Promise<void> {
    return this.prompts.deliver(data);
  }
}
