import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { OutcomeJobData, STORIES_QUEUES } from '../stories.queues';
import { StoriesService } from '../stories.service';

/** Tells a named story's author the outcome of the review. */
@Injectable()
@Job({ queue: STORIES_QUEUES.outcome, retryLimit: 5 })
export class StoriesOutcomeJob implements JobHandler<OutcomeJobData> {
  constructor(private readonly stories: StoriesService) {}

  handle(data: OutcomeJobData): Promise<void> {
    return this.stories.tellOutcome(data);
  }
}
