import { Injectable } from '@nestjs/common';
import { Job, JobHandler } from '../../jobs/job.decorator';
import { STORIES_QUEUES } from '../stories.queues';
import { StoriesService } from '../stories.service';

/**
 * Hourly (cron, one run across replicas): claims each workspace's digest of the last completed
 * ISO week. Running it twice is harmless: the claim is a unique row (see claimDigests).
 */
@Injectable()
@Job({ queue: STORIES_QUEUES.digestTick, policy: 'stately', cron: '7 * * * *', retryLimit: 0 })
export class StoriesDigestTickJob implements JobHandler<object> {
  constructor(private readonly stories: StoriesService) {}

  async handle(): Promise<void> {
    await this.stories.claimDigests();
  }
}
