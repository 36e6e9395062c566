import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { ReviewedJobData, STORIES_QUEUES } from '../stories.queues';
import { StoriesService } from '../stories.service';

/** Updates a story's HR review message after a decision made in the API or the dashboard. */
@Injectable()
@Job({ queue: STORIES_QUEUES.reviewed, retryLimit: 5 })
export class StoriesReviewedJob implements JobHandler<ReviewedJobData> {
  constructor(private readonly stories: StoriesService) {}

  handle(data: ReviewedJobData): Promise<void> {
    return this.stories.updateReviewMessage(data);
  }
}
